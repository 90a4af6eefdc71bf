package io.tgcryptfs.chunk;

import io.tgcryptfs.backend.Backoff;
import io.tgcryptfs.backend.Retry;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.PackRecord;
import io.tgcryptfs.meta.PackState;
import io.tgcryptfs.meta.lmdb.LmdbMetaStore;
import io.tgcryptfs.metrics.Metrics;
import io.tgcryptfs.testing.FakeBlobStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pack files read through kept-open channels: evicted ones come back, packs being read stay. */
class PackCacheEvictionTest {
    private static final int PACK_BYTES = 1000;

    @TempDir
    Path dir;
    private MetaStore meta;
    private final SplittableRandom random = new SplittableRandom(3);
    private final FakeBlobStore backend = new FakeBlobStore();

    @BeforeEach
    void setUp() {
        meta = LmdbMetaStore.open(dir.resolve("meta"), 16L << 20);
    }

    @AfterEach
    void tearDown() {
        meta.close();
    }

    private PackId uploadedPack(int fill) throws Exception {
        PackId id = PackId.random(random);
        byte[] bytes = new byte[PACK_BYTES];
        java.util.Arrays.fill(bytes, (byte) fill);
        System.arraycopy(PackFormat.MAGIC, 0, bytes, 0, PackFormat.MAGIC.length);
        Path file = Files.write(dir.resolve(id.hex()), bytes);
        String ref = backend.put(id.hex(), file);
        meta.write(w -> {
            w.putPack(new PackRecord(id, PackState.SEALED, PACK_BYTES, PACK_BYTES, null).uploaded(ref));
            return null;
        });
        return id;
    }

    private PackCache cacheHolding(int packs) throws IOException {
        Retry once = new Retry(new Backoff(Duration.ZERO, Duration.ZERO, 0), d -> { }, new java.util.Random(1), 1,
                (cause, e) -> { });
        return new PackCache(dir.resolve("outbox"), dir.resolve("cache"), meta, backend, (long) packs * PACK_BYTES,
                2, Metrics.NONE, once);
    }

    private static byte[] expected(int fill, int n) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) fill);
        return b;
    }

    private boolean cached(PackId pack) {
        return Files.exists(dir.resolve("cache").resolve(PackFormat.fileName(pack)));
    }

    @Test
    void packEvictedWhileItsChannelWasOpen_isDownloadedAgainOnTheNextRead() throws Exception {
        PackCache cache = cacheHolding(1);
        PackId a = uploadedPack(1);
        PackId b = uploadedPack(2);
        assertArrayEquals(expected(1, 10), cache.read(a, 100, 10));
        assertArrayEquals(expected(2, 10), cache.read(b, 100, 10)); // over the bound: a goes
        assertFalse(cached(a));
        assertArrayEquals(expected(1, 10), cache.read(a, 200, 10));
        assertEquals(3, backend.gets());
    }

    @Test
    void readsThroughAnOpenChannel_keepThePackRecent() throws Exception {
        PackCache cache = cacheHolding(2);
        PackId a = uploadedPack(1);
        PackId b = uploadedPack(2);
        PackId c = uploadedPack(3);
        cache.read(a, 100, 10);
        cache.read(b, 100, 10);
        cache.read(a, 300, 10); // served by a's open channel: must still count as a use
        cache.read(c, 100, 10);
        assertTrue(cached(a), "the pack being read stays");
        assertFalse(cached(b), "the least recently read one goes");
        assertEquals(3, backend.gets());
    }
}
