package io.tgcryptfs.bench;

import io.tgcryptfs.chunk.ChunkFormat;
import io.tgcryptfs.chunk.Compressor;
import io.tgcryptfs.crypto.ChunkCipher;
import io.tgcryptfs.meta.ChunkRecord;
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
 * Reading one sealed 256 KiB block back. {@code loadBlock}: ChunkStore.loadBlock with no plaintext
 * cache (LMDB lookup, pack read from the outbox file, AES-GCM open, LZ4 decompress). {@code read4k}:
 * a 4 KiB ranged read from the middle of the block (LMDB lookup, the chunk's cached frame table, one
 * 8 KiB frame read, opened and decompressed). {@code openPath}: every frame opened and decompressed
 * from sealed bytes in memory (no LMDB, no file).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "--add-opens", "java.base/java.nio=ALL-UNNAMED",
        "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"})
public class OpenBench {
    static final int READ = 4096;
    static final int READ_OFFSET = 128 * 1024;

    @Param({"compressible", "incompressible"})
    public String input;

    private BenchVolume volume;
    private ChunkRecord record;
    private byte[] sealed;
    private ChunkCipher cipher;
    private Compressor compressor;
    private RawGcm raw;
    private byte[] rawSealedBlock;
    private byte[] rawSealed4k;
    private byte[] plain;
    private final byte[] page = new byte[READ];

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws Exception {
        byte[] block = Blocks.of(input, BenchVolume.BLOCK);
        volume = new BenchVolume("open", false);
        volume.chunks.seal(BenchVolume.INO, 0, block);
        record = volume.meta.read(r -> r.block(BenchVolume.INO, 0).flatMap(r::chunk)).orElseThrow();
        sealed = volume.chunks.sealedBytes(record);
        cipher = volume.keys.chunkCipher();
        compressor = volume.compressor;
        raw = new RawGcm();
        rawSealedBlock = raw.sealed(block, block.length);
        rawSealed4k = raw.sealed(block, READ);
        plain = new byte[BenchVolume.BLOCK];
        if (!java.util.Arrays.equals(volume.chunks.loadBlock(BenchVolume.INO, 0), block)) {
            throw new IllegalStateException("loadBlock does not return what was sealed");
        }
        Warm.forBenchmark(params, raw, BenchVolume.BLOCK);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        volume.close();
    }

    @Benchmark
    @Row(bytes = BenchVolume.BLOCK)
    public byte[] baselineAesGcm256k() throws Exception {
        raw.open(rawSealedBlock, plain);
        return plain;
    }

    @Benchmark
    @Row(bytes = READ)
    public byte[] baselineAesGcm4k() throws Exception {
        raw.open(rawSealed4k, plain);
        return plain;
    }

    @Benchmark
    @Row(baseline = "baselineAesGcm256k", bytes = BenchVolume.BLOCK)
    public byte[] openPath() throws Exception {
        ChunkFormat.Layout layout = ChunkFormat.layout(record.id(), sealed, sealed.length, record.plainLength(),
                sealed.length);
        for (int f = 0; f < layout.frames(); f++) {
            byte[] frame = layout.open(cipher, compressor, f, sealed, (int) layout.offset(f));
            System.arraycopy(frame, 0, plain, f * layout.frameSize(), frame.length);
        }
        return plain;
    }

    @Benchmark
    @Row(baseline = "baselineAesGcm256k", bytes = BenchVolume.BLOCK)
    public byte[] loadBlock() {
        return volume.chunks.loadBlock(BenchVolume.INO, 0);
    }

    @Benchmark
    @Row(baseline = "baselineAesGcm4k", bytes = READ)
    public byte[] read4k() {
        volume.chunks.readBlock(BenchVolume.INO, 0, READ_OFFSET, page, 0, READ);
        return page;
    }
}
