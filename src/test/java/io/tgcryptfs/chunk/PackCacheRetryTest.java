package io.tgcryptfs.chunk;

import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.PackRecord;
import io.tgcryptfs.meta.PackState;
import io.tgcryptfs.meta.lmdb.LmdbMetaStore;
import io.tgcryptfs.metrics.Metrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PackCacheRetryTest {
    @TempDir
    Path dir;
    private MetaStore meta;
    private final PackId pack = PackId.random(new SplittableRandom(7));
    private final byte[] content = (new String(PackFormat.MAGIC) + "payload").getBytes();

    @BeforeEach
    void setUp() {
        meta = LmdbMetaStore.open(dir.resolve("meta"), 16L << 20);
        meta.write(w -> {
            w.putPack(new PackRecord(pack, PackState.SEALED, content.length, content.length, null).uploaded("obj"));
            return null;
        });
    }

    @AfterEach
    void tearDown() {
        meta.close();
    }

    @Test
    void download_afterTransientFailuresAndARateLimit_succeedsAndWaitsAsTold() throws Exception {
        FlakyStore store = new FlakyStore(List.of(
                BackendException.transientFailure("502", null),
                BackendException.rateLimited("429", Duration.ofSeconds(7)),
                BackendException.transientFailure("dropped", null)));
        List<Duration> waits = new ArrayList<>();
        PackCache cache = cache(store, retry(6, Duration.ofMillis(100), waits));

        assertArrayEquals("payload".getBytes(), cache.read(pack, PackFormat.MAGIC.length, 7));
        assertEquals(4, store.gets.get());
        // exponential from 100 ms (no jitter here), except the 429, which waits what the server said
        assertEquals(List.of(Duration.ofMillis(100), Duration.ofSeconds(7), Duration.ofMillis(400)), waits);
    }

    @Test
    void download_thatKeepsFailing_givesUpAfterTheConfiguredAttempts() throws Exception {
        FlakyStore store = new FlakyStore(List.of(
                BackendException.transientFailure("a", null), BackendException.transientFailure("b", null),
                BackendException.transientFailure("c", null)));
        PackCache cache = cache(store, retry(2, Duration.ZERO, new ArrayList<>()));

        assertThrows(FsException.class, () -> cache.read(pack, 0, 4));
        assertEquals(2, store.gets.get());
    }

    @Test
    void download_ofAMissingObject_isNotRetried() throws Exception {
        FlakyStore store = new FlakyStore(List.of(BackendException.notFound("gone")));
        PackCache cache = cache(store, retry(6, Duration.ZERO, new ArrayList<>()));

        assertThrows(FsException.class, () -> cache.read(pack, 0, 4));
        assertEquals(1, store.gets.get());
    }

    @Test
    void aCachedCopyCutShort_isDownloadedAgain() throws Exception {
        // what a power loss left before downloads were forced: the rename durable, the bytes not all
        shortPackIn("cache");
        FlakyStore store = new FlakyStore(List.of());
        PackCache cache = cache(store, retry(2, Duration.ZERO, new ArrayList<>()));

        assertArrayEquals("payload".getBytes(), cache.read(pack, PackFormat.MAGIC.length, 7));
        assertEquals(1, store.gets.get());
        assertArrayEquals(content, Files.readAllBytes(dir.resolve("cache").resolve(PackFormat.fileName(pack))));
    }

    @Test
    void aPackInTheOutboxCutShort_isDamageNotACacheMiss() throws Exception {
        // the outbox holds the only copy of a pack not uploaded yet: nothing to download it from
        shortPackIn("outbox");
        FlakyStore store = new FlakyStore(List.of());
        PackCache cache = cache(store, retry(2, Duration.ZERO, new ArrayList<>()));

        FsException e = assertThrows(FsException.class, () -> cache.read(pack, PackFormat.MAGIC.length, 7));
        assertEquals(io.tgcryptfs.fs.FsError.INTEGRITY, e.error());
        assertTrue(e.getMessage().contains("holds 8 bytes, a chunk ends at 15 (in the outbox)"), e.getMessage());
        assertEquals(0, store.gets.get());
    }

    /** The pack's file in {@code folder}, holding its magic only: every chunk lies past its end. */
    private void shortPackIn(String folder) throws java.io.IOException {
        Files.createDirectories(dir.resolve(folder));
        Files.write(dir.resolve(folder).resolve(PackFormat.fileName(pack)), PackFormat.MAGIC);
    }

    private static io.tgcryptfs.backend.Retry retry(int attempts, Duration minBackoff, List<Duration> waits) {
        return new io.tgcryptfs.backend.Retry(new io.tgcryptfs.backend.Backoff(minBackoff, Duration.ofSeconds(10), 0),
                waits::add, new java.util.Random(1), attempts, (cause, e) -> { });
    }

    private PackCache cache(BlobStore store, io.tgcryptfs.backend.Retry policy) throws Exception {
        return new PackCache(dir.resolve("outbox"), dir.resolve("cache"), meta, store, 1L << 20, 2, Metrics.NONE, policy);
    }

    /** Fails get() with the given errors, in order, then serves the pack. */
    private final class FlakyStore implements BlobStore {
        final List<BackendException> failures;
        final AtomicInteger gets = new AtomicInteger();

        FlakyStore(List<BackendException> failures) {
            this.failures = failures;
        }

        @Override
        public void get(String ref, Path target) throws BackendException {
            int n = gets.getAndIncrement();
            if (n < failures.size()) {
                throw failures.get(n);
            }
            try {
                Files.write(target, content);
            } catch (java.io.IOException e) {
                throw BackendException.transientFailure(e.getMessage(), e);
            }
        }

        @Override
        public String put(String name, Path file) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void delete(String ref) {
        }

        @Override
        public Optional<byte[]> getRoot() {
            return Optional.empty();
        }

        @Override
        public void putRoot(byte[] root) {
        }

        @Override
        public long maxObjectBytes() {
            return Long.MAX_VALUE;
        }

        @Override
        public void close() {
        }
    }
}
