package io.tgcryptfs.gateway;

import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.gateway.ModelFs.Handle;
import io.tgcryptfs.gateway.ModelFs.Node;
import io.tgcryptfs.testing.FakeBlobStore;
import io.tgcryptfs.testing.FixtureOptions;
import io.tgcryptfs.testing.ManualClock;
import io.tgcryptfs.testing.TestVolume;
import io.tgcryptfs.metrics.Metrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A long seeded run of random operations ({@link ModelOps}) through {@link FsGateway}, as the FUSE adapter
 * makes them, checked against {@link ModelFs}: writes (holes, boundaries, shared and rewritten content for
 * dedup), reads, truncates, renames, hard links, unlinks of open files (directly, and as libfuse does it
 * through a ".fuse_hidden" name), xattrs, fsync, sync, and closing and reopening the volume, cleanly or as
 * a crash.
 * A few names in a few directories make operations collide. Small blocks, a small dirty budget, a small
 * journal, a small pack cache, a cap on live actors and a manual clock, which decides when blocks are cold
 * and actors idle, keep sealing, budget pressure, downloads and passivation busy.
 * A failure names its seed and step and lists the steps before it; {@code -Dmodel.seed=S
 * -Dmodel.steps=N -Dmodel.trace=true} replays one run printing every step. The actors run on their own
 * threads, so when a background seal lands between two steps may differ from run to run; what each
 * step must return does not.
 */
class ModelCheckTest {
    static final int BS = 4096;
    static final int BAND = 4 * BS;
    private static final int STEPS = Integer.getInteger("model.steps", 2000);

    /** Times are on the manual clock; a budget of 16 KiB is the least the engine takes (4 blocks). */
    record Run(long seed, Duration expiry, long budget, int maxLiveActors, Duration passivateAfter, boolean smallJournal,
               WriteTimes times) {
        @Override
        public String toString() {
            return "seed " + seed;
        }
    }

    static Stream<Run> runs() {
        Stream<Run> all = Stream.of(
                new Run(1, Duration.ofMinutes(10), 1 << 20, 10000, Duration.ofMinutes(10), false, WriteTimes.MOVED_BY_WRITE),
                new Run(2, Duration.ofMillis(20), 64 << 10, 10000, Duration.ofMillis(200), true, WriteTimes.MOVED_BY_WRITE),
                new Run(3, Duration.ofMillis(20), 16 << 10, 10000, Duration.ofSeconds(1), false, WriteTimes.SENT_BY_KERNEL),
                new Run(4, Duration.ofMillis(50), 128 << 10, 3, Duration.ofMillis(100), true, WriteTimes.MOVED_BY_WRITE),
                new Run(5, Duration.ofMillis(5), 32 << 10, 10000, Duration.ofMillis(50), false, WriteTimes.SENT_BY_KERNEL));
        Long only = Long.getLong("model.seed"); // any seed, with the settings of seed (S - 1) % 5 + 1
        return only == null ? all : all.skip(Math.floorMod(only - 1, 5)).limit(1).map(r -> new Run(only, r.expiry(), r.budget(),
                r.maxLiveActors(), r.passivateAfter(), r.smallJournal(), r.times()));
    }

    @TempDir
    Path dir;
    private final ModelFs model = new ModelFs();
    private final ManualClock clock = new ManualClock();
    private final FakeBlobStore backend = new FakeBlobStore(); // outlives the opens, as the real one does
    private Run run;
    private ModelSteps steps;
    private ModelOps ops;
    private FixtureOptions options;
    private TestVolume vol;
    private FsGateway gw;
    private final Stats stats = new Stats(); // over every open of the run

    @ParameterizedTest(name = "{0}")
    @MethodSource("runs")
    void theEngineAgreesWithTheModel(Run r) {
        run = r;
        steps = new ModelSteps(r.seed());
        ops = new ModelOps(r, model, steps, clock, this::remount);
        options = FixtureOptions.defaults().blockSize(BS).bandSize(BAND).packTargetSize(32 << 10).cacheMaxBytes(2 << 20)
                .plaintextCacheBytes(16 << 10).dirtyBudgetBytes(r.budget()).dirtyExpiry(r.expiry()).clock(clock)
                .passivateAfter(r.passivateAfter()).maxLiveActors(r.maxLiveActors()).askTimeout(Duration.ofSeconds(30))
                .journalRecordBytes(r.smallJournal() ? 16 << 10 : 64 << 20);
        options.dirtyMaxAge = r.expiry().multipliedBy(3);
        open();
        try {
            while (steps.next() <= STEPS) {
                ops.step();
                if (steps.step() % 25 == 0) {
                    checkTree();
                }
            }
            remount(true);
            System.out.println("seed " + r.seed() + ": " + stats);
            if (STEPS >= 1000) { // a full run, not a short replay: it must have made the engine work
                assertTrue(stats.seals.get() > 0 && stats.dedups.get() > 0, "the run sealed and deduplicated blocks: " + stats);
                assertTrue(r.budget() > 32 << 10 || stats.pressureSignals > 0, "a small budget filled up: " + stats);
            }
        } catch (Throwable t) {
            throw steps.failure(t);
        }
    }

    @AfterEach
    void close() {
        if (vol != null) {
            closeVolume();
        }
    }

    private void open() {
        vol = TestVolume.open(dir, options.backend(backend).metrics(stats).journalSegmentBytes(run.smallJournal() ? 32 << 10 : 1 << 20)
                .nanoTime(() -> clock.instant().toEpochMilli() * 1_000_000L));
        stats.recordsReplayed += vol.recordsReplayed;
        gw = vol.gateway;
        ops.mounted(gw);
    }

    private void closeVolume() {
        stats.bandsStarted += vol.bandIncarnations.get();
        stats.pressureSignals += vol.pressureSignals.get();
        vol.close();
        vol = null;
    }

    /** What the engine did over every open of a run, so a test can tell its run made it work. */
    static final class Stats implements Metrics {
        final AtomicLong seals = new AtomicLong();
        final AtomicLong dedups = new AtomicLong();
        final AtomicLong downloads = new AtomicLong();
        long pressureSignals;
        long bandsStarted;
        long recordsReplayed;

        @Override
        public void chunkSealed(long plainBytes, long storedBytes, boolean deduplicated) {
            (deduplicated ? dedups : seals).incrementAndGet();
        }

        @Override
        public void downloaded(long bytes) {
            downloads.incrementAndGet();
        }

        @Override
        public String toString() {
            return seals + " blocks sealed, " + dedups + " deduplicated, " + downloads + " packs downloaded, "
                    + pressureSignals + " budget pressure signals, " + bandsStarted + " band actors started, "
                    + recordsReplayed + " journal records replayed";
        }
    }

    // ---- closing and opening again -------------------------------------------------------------

    /**
     * Clean: every handle released and a sync, as an unmount does; everything must be there after.
     * Crash: closed without a sync, sometimes with handles open. Names, sizes and xattrs are committed as
     * they change, and so is every byte of a file not written since its last fsync, truncate or sync (the
     * journal is replayed); a file written since may hold older bytes, which the model then takes over.
     */
    private void remount(boolean clean) {
        steps.op(clean ? "remount" : "crash and reopen", () -> {
            ops.handles.beforeClose(clean);
            if (clean) {
                gw.syncAll();
            }
            closeVolume();
            open();
            for (String path : model.paths()) {
                Node n = model.lookup(path);
                if (n.isFile() && n.unsynced) {
                    byte[] now = ModelFs.readWhole(gw, path);
                    assertEquals(n.size, now.length, steps.at("size after a crash, " + path));
                    n.data = now;
                    n.unsynced = false;
                }
            }
        });
        checkTree();
    }

    // ---- the whole tree ------------------------------------------------------------------------

    /** The whole tree as the model has it, and the open handles' sizes and link counts. */
    private void checkTree() {
        model.assertMatches(gw, steps::at);
        for (Handle h : ops.handles.open()) {
            Inode inode = gw.getattr(h.fh);
            assertEquals(h.node.size, inode.size(), steps.at("size of " + h));
            assertEquals(h.node.links, inode.nlink(), steps.at("nlink of " + h));
        }
    }
}
