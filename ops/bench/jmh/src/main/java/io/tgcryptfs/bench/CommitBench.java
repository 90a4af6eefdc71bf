package io.tgcryptfs.bench;

import io.tgcryptfs.fs.ChunkId;
import org.lmdbjava.ByteBufferProxy;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.Txn;
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

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One LMDB write transaction of {@code puts} block-map entries, committed (MDB_NOSYNC, as mounted:
 * no fsync). {@code metaStore}: MetaStore.write with MetaWriter.putBlock, which encodes key and value
 * and marks each change for the metadata log (a second put per entry). {@code rawLmdb}: the same
 * keys and values put with plain lmdbjava on an environment opened with the same flags. One op is
 * one commit; the same keys are overwritten each op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "--add-opens", "java.base/java.nio=ALL-UNNAMED",
        "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"})
public class CommitBench {
    @Param({"1", "64", "1024"})
    public int puts;

    private BenchVolume volume;
    private ChunkId chunk;
    private Env<ByteBuffer> env;
    private Dbi<ByteBuffer> dbi;
    private ByteBuffer[] keys;
    private ByteBuffer value;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        volume = new BenchVolume("commit", false);
        byte[] id = new byte[ChunkId.LENGTH];
        new SplittableRandom(3).nextBytes(id);
        chunk = ChunkId.of(id);
        java.nio.file.Path rawDir = Files.createDirectories(volume.dir.resolve("raw"));
        env = Env.create(ByteBufferProxy.PROXY_OPTIMAL).setMapSize(1L << 30).setMaxDbs(1).setMaxReaders(256)
                .open(rawDir.toFile(), 0600, EnvFlags.MDB_NOSYNC, EnvFlags.MDB_NOTLS);
        dbi = env.openDbi("tgcryptfs", DbiFlags.MDB_CREATE);
        // the bytes of Keys.block and Codecs.encodeBlock: 'B' ino:8 index:8 -> v1 chunk:32
        keys = new ByteBuffer[puts];
        for (int i = 0; i < puts; i++) {
            keys[i] = ByteBuffer.allocateDirect(17).put((byte) 'B').putLong(BenchVolume.INO).putLong(i).flip();
        }
        value = ByteBuffer.allocateDirect(1 + ChunkId.LENGTH).put((byte) 1).put(id).flip();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        env.close();
        volume.close();
    }

    @Benchmark
    @Row
    public void rawLmdb() {
        try (Txn<ByteBuffer> txn = env.txnWrite()) {
            for (ByteBuffer key : keys) {
                dbi.put(txn, key, value);
            }
            txn.commit();
        }
    }

    @Benchmark
    @Row(baseline = "rawLmdb")
    public void metaStore() {
        int n = puts;
        volume.meta.write(w -> {
            for (int i = 0; i < n; i++) {
                w.putBlock(BenchVolume.INO, i, chunk);
            }
            return null;
        });
    }
}
