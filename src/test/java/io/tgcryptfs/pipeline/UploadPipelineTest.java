package io.tgcryptfs.pipeline;

import io.tgcryptfs.backend.Backoff;
import io.tgcryptfs.chunk.ChunkLocation;
import io.tgcryptfs.chunk.PackFormat;
import io.tgcryptfs.fs.ChunkId;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.meta.PackRecord;
import io.tgcryptfs.meta.PackState;
import io.tgcryptfs.metrics.Metrics;
import io.tgcryptfs.testing.Await;
import io.tgcryptfs.testing.FakeBlobStore;
import io.tgcryptfs.testing.FixtureOptions;
import io.tgcryptfs.testing.RecordingSleeper;
import io.tgcryptfs.testing.TestStores;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UploadPipelineTest {
    private static final Backoff BACKOFF = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 0.0);
    private static ActorTestKit testKit;

    @TempDir
    Path dir;
    private FakeBlobStore backend;
    private RecordingSleeper sleeper;
    private TestStores stores;
    private ExecutorService threads;
    private UploadPipeline pipeline;
    private final Random random = new Random(5);

    @BeforeAll
    static void startSystem() {
        testKit = ActorTestKit.create();
    }

    @AfterAll
    static void stopSystem() {
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void open() {
        backend = new FakeBlobStore();
        sleeper = new RecordingSleeper();
        stores = TestStores.open(dir, FixtureOptions.defaults().packTargetSize(1000).backend(backend));
        threads = Executors.newFixedThreadPool(3);
    }

    @AfterEach
    void close() {
        if (pipeline != null) {
            pipeline.close();
        }
        threads.shutdownNow();
        stores.close();
    }

    private void start(List<PackId> recovered) {
        pipeline = new UploadPipeline(stores.meta, backend, stores.outbox, stores.cache, threads, sleeper, random, BACKOFF,
                3, 2, Metrics.NONE);
        stores.outbox.setListener(pipeline);
        pipeline.start(testKit.system(), recovered);
    }

    /** Appends chunks until {@code n} packs have been closed; returns their ids. */
    private List<PackId> fillPacks(int n) {
        List<PackId> closed = new ArrayList<>();
        while (closed.size() < n) {
            byte[] id = new byte[ChunkId.LENGTH];
            random.nextBytes(id);
            byte[] sealed = new byte[600];
            random.nextBytes(sealed);
            ChunkLocation at = stores.outbox.append(ChunkId.of(id), sealed, 600);
            if (!stores.outbox.hasOpenPack()) {
                closed.add(at.pack());
            }
        }
        return closed;
    }

    private PackRecord record(PackId id) {
        return stores.meta.read(r -> r.pack(id)).orElseThrow();
    }

    private void drain() throws InterruptedException {
        pipeline.drain(s -> { }, Duration.ofMillis(20));
    }

    @Test
    void everySealedPack_isUploadedExactlyOnce_andMovedToTheCache() throws Exception {
        start(List.of());
        List<PackId> packs = fillPacks(7); // more than the queue (2) holds: some wait in the overflow
        stores.outbox.append(ChunkId.of(new byte[ChunkId.LENGTH]), new byte[100], 100); // an open pack: drain seals it
        assertTrue(stores.outbox.hasOpenPack());
        drain();

        assertFalse(stores.outbox.hasOpenPack());
        List<PackRecord> uploaded = stores.meta.read(r -> r.packs(PackState.UPLOADED));
        assertEquals(8, uploaded.size());
        assertTrue(stores.meta.read(r -> r.packs(PackState.SEALED)).isEmpty());
        Set<String> names = uploaded.stream().map(p -> p.id().hex()).collect(Collectors.toSet());
        assertTrue(names.containsAll(packs.stream().map(PackId::hex).toList()));
        for (PackRecord p : uploaded) {
            assertEquals(1, backend.storedCount(p.id().hex()), "uploads of " + p.id());
            assertEquals("ref-" + p.id().hex(), p.remoteRef());
            Path cached = dir.resolve("cache").resolve(PackFormat.fileName(p.id()));
            assertTrue(Files.exists(cached), "in the cache: " + p.id());
            assertFalse(Files.exists(stores.outbox.dir().resolve(PackFormat.fileName(p.id()))), "left the outbox: " + p.id());
            assertArrayEquals(Files.readAllBytes(cached), backend.object(p.id().hex()).orElseThrow());
        }
        UploadStatus status = pipeline.status();
        assertEquals(0, status.pendingPacks());
        assertEquals(0, status.pendingBytes());
        assertEquals(8, status.uploadedPacks());
        assertNull(status.blockedReason());
        assertEquals(8, backend.putAttempts());
    }

    @Test
    void packsRecoveredAtStart_areUploaded_andANotificationTwiceUploadsOnce() throws Exception {
        List<PackId> before = fillPacks(3);
        List<PackId> recovered = stores.outbox.recover();
        assertEquals(Set.copyOf(before), Set.copyOf(recovered));
        start(recovered);
        pipeline.packSealed(before.get(0)); // told again: still one upload
        drain();
        for (PackId p : before) {
            assertEquals(PackState.UPLOADED, record(p).state());
            assertEquals(1, backend.storedCount(p.hex()));
        }
    }

    @Test
    void transientFailuresAndRateLimits_areRetried_waitingExactlyRetryAfter() throws Exception {
        backend.failNext(FakeBlobStore.transientFailure(), FakeBlobStore.transientFailure(),
                FakeBlobStore.rateLimited(Duration.ofSeconds(37)));
        start(List.of());
        PackId pack = fillPacks(1).get(0);
        drain();

        assertEquals(PackState.UPLOADED, record(pack).state());
        assertEquals(1, backend.storedCount(pack.hex()));
        assertEquals(4, backend.putAttempts());
        assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(37)), sleeper.waits());
        UploadStatus status = pipeline.status();
        assertEquals(2L, status.retriesByCause().get("transient"));
        assertEquals(1L, status.retriesByCause().get("rate-limited"));
        assertNull(status.blockedReason());
    }

    @Test
    void permanentFailure_isReportedAsBlocked_andUploadsResumeWhenTheBackendAcceptsAgain() throws Exception {
        backend.failAlways(FakeBlobStore.permanent("bot was kicked from the chat"));
        start(List.of());
        List<PackId> packs = fillPacks(2);

        Await.until(() -> "bot was kicked from the chat".equals(pipeline.status().blockedReason()), "blocked reason");
        Await.until(() -> sleeper.waits().contains(Duration.ofSeconds(60)), "permanent failures to wait the longest backoff");
        assertEquals(2, pipeline.status().pendingPacks());
        for (PackId p : packs) {
            assertEquals(PackState.SEALED, record(p).state());
            assertTrue(Files.exists(stores.outbox.dir().resolve(PackFormat.fileName(p))), "data stays in the outbox");
        }

        AtomicReference<Throwable> drainFailure = new AtomicReference<>();
        List<UploadStatus> progress = Collections.synchronizedList(new ArrayList<>());
        Thread drainer = new Thread(() -> {
            try {
                pipeline.drain(progress::add, Duration.ofMillis(20));
            } catch (Throwable t) {
                drainFailure.set(t);
            }
        }, "drainer");
        drainer.setDaemon(true);
        drainer.start();
        Await.until(() -> progress.size() >= 2, "drain to report progress while blocked");
        assertTrue(drainer.isAlive(), "drain returned while packs were pending");
        assertNotNull(progress.get(0).blockedReason());

        backend.accept();
        drainer.join(10_000);
        assertFalse(drainer.isAlive(), "drain did not return after the backend accepted");
        assertNull(drainFailure.get());
        for (PackId p : packs) {
            assertEquals(PackState.UPLOADED, record(p).state());
            assertEquals(1, backend.storedCount(p.hex()));
        }
        UploadStatus last = progress.get(progress.size() - 1);
        assertEquals(0, last.pendingPacks());
        assertNull(pipeline.status().blockedReason());
        assertTrue(pipeline.status().retriesByCause().get("permanent") >= 2);
    }

    @Test
    void drain_withNothingPending_returnsAtOnce() throws Exception {
        start(List.of());
        List<UploadStatus> progress = new ArrayList<>();
        pipeline.drain(progress::add, Duration.ofSeconds(30));
        assertEquals(1, progress.size());
        assertEquals(0, progress.get(0).pendingPacks());
        assertEquals(0, backend.putAttempts());
    }

    @Test
    void uploadedPacks_freeOutboxRoom_forWaitingAppends() throws Exception {
        stores.close();
        stores = TestStores.open(dir.resolve("small"), FixtureOptions.defaults().packTargetSize(1000)
                .outboxMaxBytes(1000).backend(backend));
        start(List.of());
        // each pack is over the outbox limit: every append after a closed pack waits for its upload
        List<PackId> packs = fillPacks(5);
        drain();
        for (PackId p : packs) {
            assertEquals(PackState.UPLOADED, record(p).state());
        }
        assertEquals(0, stores.outbox.waitingBytes());
    }

    @Test
    void drain_returnsWhenThePipelineIsClosed_evenWithPacksPending() throws Exception {
        backend.failAlways(FakeBlobStore.permanent("chat is gone"));
        start(List.of());
        fillPacks(1);
        Thread drainer = new Thread(() -> {
            try {
                drain();
            } catch (InterruptedException ignored) {
                // ends the thread
            }
        }, "drainer");
        drainer.setDaemon(true);
        drainer.start();
        Await.until(() -> pipeline.status().blockedReason() != null, "blocked");
        Await.parked(drainer);

        pipeline.close();
        drainer.join(5_000);
        boolean stillWaiting = drainer.isAlive();
        drainer.interrupt();
        assertFalse(stillWaiting, "drain() still waiting after close()");
    }
}
