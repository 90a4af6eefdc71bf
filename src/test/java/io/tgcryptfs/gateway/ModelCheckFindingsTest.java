package io.tgcryptfs.gateway;

import io.tgcryptfs.testing.FixtureOptions;
import io.tgcryptfs.testing.ManualClock;
import io.tgcryptfs.testing.TestVolume;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** What {@link ModelCheckTest} found (both fixed since), each reduced to the few calls that show it. */
class ModelCheckFindingsTest {
    private static final int BS = 4096;

    @TempDir
    Path dir;
    private TestVolume vol;
    private FsGateway gw;

    private void open(FixtureOptions options) {
        vol = TestVolume.open(dir, options.blockSize(BS).bandSize(4 * BS).clock(new ManualClock()));
        gw = vol.gateway;
    }

    @AfterEach
    void close() {
        if (vol != null) {
            vol.close();
        }
    }

    /**
     * libfuse (no hard_remove) unlinks a name a handle is open under by renaming it to a hidden name, and
     * unlinks that name after the last release. Namespace.hide drops the file's link at the rename; when
     * the file has another name, its link count stays above zero, so the hidden name is listed, and
     * libfuse's unlink of it drops a second link: the file is deleted under its other name.
     */
    @Test
    void unlinkingAnOpenHardLinkedName_throughLibfusesHiddenName_keepsTheOtherName() {
        open(FixtureOptions.defaults());
        long w = gw.create("/a", 0644, Caller.ROOT);
        gw.write(w, 0, new byte[] {1, 2, 3});
        gw.release(w);
        gw.link("/a", "/b");
        long h = gw.open("/a");
        gw.rename("/a", "/.fuse_hidden0000000100000001"); // unlink("/a") while it is open, through libfuse
        assertEquals(1, gw.getattr("/b").nlink());
        gw.release(h);
        gw.unlink("/.fuse_hidden0000000100000001"); // libfuse, after the last release

        assertEquals(1, gw.getattr("/b").nlink(), "/b is still a name of the file");
        assertArrayEquals(new byte[] {1, 2, 3}, ModelFs.readWhole(gw, "/b"));
        assertEquals(List.of(".", "..", "b"), Listings.of(gw, "/").stream().map(Listing::name).toList());
    }

    /**
     * A reader whose pack is evicted between being found (or downloaded) and being opened looks again,
     * at most eight times. Concurrent readers' downloads and read-ahead, in a cache smaller than what they
     * fetch, evict it each time, and a read of data that is safe on the backend fails with EIO.
     */
    @Test
    void concurrentReaders_ofPacksEvictedUnderThem_stillGetTheirBytes() throws Exception {
        open(FixtureOptions.defaults().packTargetSize(32 << 10).cacheMaxBytes(64 << 10));
        Random random = new Random(7);
        List<byte[]> data = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            byte[] d = new byte[256 << 10]; // random, so 8 packs of 32 KiB each
            random.nextBytes(d);
            data.add(d);
            long h = gw.create("/f" + i, 0644, Caller.ROOT);
            gw.write(h, 0, d);
            gw.release(h);
        }
        gw.syncAll();
        vol.drainUploads(); // every pack on the backend, at most 64 KiB of them in the cache
        for (int round = 0; round < 10; round++) {
            List<CompletableFuture<Void>> readers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int f = i;
                readers.add(CompletableFuture.runAsync(() -> assertArrayEquals(data.get(f), ModelFs.readWhole(gw, "/f" + f))));
            }
            for (CompletableFuture<Void> reader : readers) {
                reader.get();
            }
        }
    }
}
