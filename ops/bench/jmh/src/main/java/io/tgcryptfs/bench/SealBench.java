package io.tgcryptfs.bench;

import io.tgcryptfs.chunk.ChunkLocation;
import io.tgcryptfs.chunk.ChunkFormat;
import io.tgcryptfs.chunk.Compressor;
import io.tgcryptfs.crypto.ChunkCipher;
import io.tgcryptfs.crypto.ChunkIdHasher;
import io.tgcryptfs.fs.ChunkId;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

import java.util.concurrent.TimeUnit;

/**
 * Sealing one 256 KiB block. {@code sealPath}: what ChunkStore does between the dedup check and the
 * LMDB commit (keyed id, per-frame LZ4 with its skip for incompressible data, AES-GCM per 8 KiB frame
 * under the pack's key, outbox append).
 * {@code chunkStoreSeal}: the whole ChunkStore.seal, LMDB lookup and commit included. Each op seals
 * a block no earlier op sealed (a counter in its first 8 bytes), so nothing deduplicates.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "--add-opens", "java.base/java.nio=ALL-UNNAMED",
        "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"})
public class SealBench {
    @Param({"compressible", "incompressible"})
    public String input;

    private byte[] block;
    private byte[] out;
    private long counter;
    private RawGcm raw;
    private BenchVolume volume;
    private ChunkIdHasher hasher;
    private ChunkCipher cipher;
    private Compressor compressor;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws Exception {
        block = Blocks.of(input, BenchVolume.BLOCK);
        out = new byte[BenchVolume.BLOCK + 16];
        raw = new RawGcm();
        volume = new BenchVolume("seal", true);
        hasher = volume.keys.chunkIds();
        cipher = volume.keys.chunkCipher();
        compressor = volume.compressor;
        Warm.forBenchmark(params, raw, BenchVolume.BLOCK);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        volume.close();
    }

    @Benchmark
    @Row(bytes = BenchVolume.BLOCK)
    public byte[] baselineAesGcm() throws Exception {
        Blocks.stamp(block, ++counter);
        raw.seal(block, block.length, out);
        return out;
    }

    @Benchmark
    @Row(baseline = "baselineAesGcm", bytes = BenchVolume.BLOCK)
    public byte[] memcpy() {
        Blocks.stamp(block, ++counter);
        System.arraycopy(block, 0, out, 0, block.length);
        return out;
    }

    @Benchmark
    @Row(baseline = "baselineAesGcm", bytes = BenchVolume.BLOCK)
    public ChunkLocation sealPath() {
        Blocks.stamp(block, ++counter);
        ChunkId id = hasher.idOf(block, 0, block.length);
        byte[] sealed = ChunkFormat.seal(cipher, compressor, id, block, block.length, volume.outbox.reserveSlot());
        return volume.outbox.append(id, sealed, block.length);
    }

    @Benchmark
    @Row(baseline = "baselineAesGcm", bytes = BenchVolume.BLOCK)
    public void chunkStoreSeal() {
        long n = ++counter;
        Blocks.stamp(block, n);
        // 64 block slots, each reseal replaces one: LMDB stays small, the old chunk is released
        volume.chunks.seal(BenchVolume.INO, n & 63, block);
    }
}
