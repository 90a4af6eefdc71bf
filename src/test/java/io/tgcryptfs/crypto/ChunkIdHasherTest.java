package io.tgcryptfs.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tgcryptfs.fs.ChunkId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ChunkIdHasherTest {
    private static NewVolume volume;
    private static NewVolume other;

    @BeforeAll
    static void createVolumes() {
        volume = TestVolumes.create("pw");
        other = TestVolumes.create("pw");
    }

    @AfterAll
    static void close() {
        volume.keys().close();
        other.keys().close();
    }

    @Test
    void idOf_equalData_givesEqualIds() {
        byte[] data = TestVolumes.randomBytes(4096);
        assertEquals(volume.keys().chunkIds().idOf(data), volume.keys().chunkIds().idOf(data.clone()));
    }

    @Test
    void idOf_differentData_givesDifferentIds() {
        byte[] data = TestVolumes.randomBytes(4096);
        byte[] changed = TestVolumes.flipBit(data, 4095 * 8);
        assertNotEquals(volume.keys().chunkIds().idOf(data), volume.keys().chunkIds().idOf(changed));
    }

    @Test
    void idOf_sameDataInAnotherVolume_givesDifferentIds() {
        byte[] data = TestVolumes.randomBytes(4096);
        assertNotEquals(volume.keys().chunkIds().idOf(data), other.keys().chunkIds().idOf(data));
    }

    @Test
    void idOf_slice_equalsIdOfCopiedSlice() {
        byte[] data = TestVolumes.randomBytes(100);
        byte[] slice = java.util.Arrays.copyOfRange(data, 10, 60);
        assertEquals(volume.keys().chunkIds().idOf(slice), volume.keys().chunkIds().idOf(data, 10, 50));
    }

    @Test
    void idOf_isNotPlainSha256OfTheData() throws Exception {
        byte[] data = TestVolumes.randomBytes(64);
        byte[] sha = java.security.MessageDigest.getInstance("SHA-256").digest(data);
        assertNotEquals(ChunkId.of(sha), volume.keys().chunkIds().idOf(data));
    }

    @Test
    void idOf_outOfBoundsSlice_isRejected() {
        assertThrows(IndexOutOfBoundsException.class, () -> volume.keys().chunkIds().idOf(new byte[10], 5, 6));
    }

    @Test
    void idOf_fromManyThreads_agreesWithSingleThread() throws Exception {
        List<byte[]> blocks = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            blocks.add(TestVolumes.randomBytes(8192));
        }
        ChunkIdHasher hasher = volume.keys().chunkIds();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<ChunkId>> futures = new ArrayList<>();
            for (int round = 0; round < 8; round++) {
                for (byte[] block : blocks) {
                    futures.add(pool.submit(() -> hasher.idOf(block)));
                }
            }
            for (int i = 0; i < futures.size(); i++) {
                assertEquals(hasher.idOf(blocks.get(i % blocks.size())), futures.get(i).get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
