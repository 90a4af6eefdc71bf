package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.fail;

import io.tgcryptfs.backend.telegram.fake.FakeBotApi;
import io.tgcryptfs.it.OracleOps.Op;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link OracleIT} with several writers at once. Each worker runs a seeded sequence of {@link OracleOps}
 * in a directory of its own, on the mount and on the oracle (a plain directory), while the others run
 * theirs: the mount's shared machinery (the bands' registry, LMDB's writer, the write journal, the outbox
 * and the pack cache, the chunks every worker's files share, since all draw whole blocks from one
 * palette) serves them concurrently, yet each worker's outcomes are fixed by its seed alone. Every
 * worker also writes, reads and syncs its own stripe of one shared file; stripes are not aligned to
 * pages or blocks, so neighbours write into the same pages and blocks at once. `sync` and
 * `gc` run while the workers do. Between phases every handle is closed, the trees are compared and the
 * volume remounted; at the end it is restored on a new machine, compared, and written to again.
 *
 * <p>A seed fixes each worker's sequence, not how the workers interleave; a failure prints the worker's
 * own history. Other seeds: {@code -Dtgcryptfs.it.concurrent-oracle.seeds=3,4}; longer phases:
 * {@code -Dtgcryptfs.it.concurrent-oracle.steps=400} (operations per worker and phase); more workers:
 * {@code -Dtgcryptfs.it.concurrent-oracle.workers=8}; on OracleIT's flaky fake Bot API server:
 * {@code -Dtgcryptfs.it.concurrent-oracle.backend=flaky-telegram}; one worker's
 * sequence alone, to tell a race from a bug of the sequence itself: {@code -Dtgcryptfs.it.concurrent-oracle.alone=3}.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConcurrentOracleIT {
    private static final int WORKERS = Integer.getInteger("tgcryptfs.it.concurrent-oracle.workers", 4);
    private static final int PHASES = 2;
    private static final int STEPS_PER_PHASE = Integer.getInteger("tgcryptfs.it.concurrent-oracle.steps", 150);
    private static final int STEPS_AFTER_RESTORE = 40;
    /** Each worker's part of the shared file: not a multiple of a page, so stripes meet inside pages and blocks. */
    private static final int STRIPE = 300_001;
    private static final String SHARED = "shared";
    /** On OracleIT's flaky fake Bot API server instead of the local backend (then each command may be run again). */
    private static final boolean FLAKY_TELEGRAM = "flaky-telegram".equals(System.getProperty("tgcryptfs.it.concurrent-oracle.backend"));
    private static final int ATTEMPTS = FLAKY_TELEGRAM ? OracleIT.FLAKY_ATTEMPTS : 1;

    private final long started = System.nanoTime();
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private long seed;
    private MountFixture fs;
    private Path oracle;
    private final List<Worker> workers = new ArrayList<>();

    static LongStream seeds() {
        return OracleIT.seeds("tgcryptfs.it.concurrent-oracle.seeds", "1");
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void concurrentRandomOperations_matchALocalDirectory_acrossARemountAndARestore(long seed) throws Exception {
        MountFixture.assumeNotBaseline();
        this.seed = seed;
        try (FakeBotApi api = FLAKY_TELEGRAM ? OracleIT.flakyTelegram(seed) : null;
             MountFixture mount = OracleIT.busyMountOn(api)) {
            fs = mount.start();
            oracle = Files.createDirectory(fs.workDir().resolve("oracle"));
            byte[][] palette = OracleOps.palette(new SplittableRandom(seed));
            Integer alone = Integer.getInteger("tgcryptfs.it.concurrent-oracle.alone");
            for (int i = 0; i < WORKERS; i++) {
                if (alone != null && alone != i) {
                    continue;
                }
                String dir = "w" + i;
                Files.createDirectory(oracle.resolve(dir));
                Files.createDirectory(fs.root().resolve(dir));
                workers.add(new Worker(i, dir, new OracleOps(seed * 1000 + i, oracle.resolve(dir), palette),
                        new SplittableRandom(~(seed * 1000 + i))));
            }
            for (Path root : List.of(oracle, fs.root())) {
                try (RandomAccessFile shared = new RandomAccessFile(root.resolve(SHARED).toFile(), "rw")) {
                    shared.setLength((long) WORKERS * STRIPE); // whole from the start: a stripe's reads never depend on another's writes
                }
            }
            ExecutorService pool = Executors.newFixedThreadPool(workers.size());
            try {
                run(pool);
            } finally {
                pool.shutdownNow();
                workers.forEach(w -> w.ops.closeQuietly());
            }
            if (api != null) {
                System.out.printf("[ConcurrentOracleIT] seed %d on the flaky fake: %d sendDocument requests for %d stored documents; requests %s%n",
                        seed, api.requests("sendDocument"), api.documentsEverStored(), api.requestsByMethod());
            }
        }
    }

    private void run(ExecutorService pool) throws Exception {
        int step = 1;
        for (int phase = 1; phase <= PHASES; phase++, step += STEPS_PER_PHASE) {
            phase(pool, step, STEPS_PER_PHASE, phase == 1 ? List.of("sync", "gc") : List.of("sync"));
            closeHandles();
            compare("after phase " + phase);
            if (phase < PHASES) {
                events.add("remount");
                fs.restart();
                compare("after a remount");
            }
        }
        events.add("unmount, then restore on a new machine and mount");
        fs.stop();
        fs.wipeAllButTheBackend();
        ToolResult restored = command("restore");
        if (restored.exitCode() != 0 || !restored.stdout().contains("restored restore point #")) {
            fail(where() + "`tgcryptfs restore` failed\n" + restored.describe());
        }
        fs.start();
        compare("after the restore on a new machine");
        // the restored volume goes on, again with every worker at once
        phase(pool, step, STEPS_AFTER_RESTORE, List.of("sync"));
        closeHandles();
        compare("after operations on the restored volume");
    }

    /**
     * Runs {@code steps} operations on every worker at once; once each worker is a third of the way
     * in, runs {@code commands} (`sync`, `gc`) while they go on. Fails with every worker's failure.
     */
    private void phase(ExecutorService pool, int from, int steps, List<String> commands) throws Exception {
        CountDownLatch underWay = new CountDownLatch(workers.size());
        List<Future<?>> running = new ArrayList<>();
        for (Worker w : workers) {
            running.add(pool.submit(() -> {
                w.run(from, steps, from + steps / 3, underWay);
                return null;
            }));
        }
        underWay.await();
        new WorkerPhase(running, this::stopAll, () -> workers.stream().filter(w -> w.failure != null).map(w -> w.failure).toList())
                .finish(commands, this::command, events::add, this::where, fs::logTail);
    }

    /** {@code tgcryptfs command}, run again after a failure up to {@link #ATTEMPTS} times in all. */
    private ToolResult command(String command) {
        return OracleIT.command(fs, command, ATTEMPTS, events::add);
    }

    private void stopAll() {
        workers.forEach(w -> w.stopped = true);
    }

    private void closeHandles() {
        for (Worker w : workers) {
            while (w.ops.openHandles() > 0) {
                w.apply(w.ops.close(0), 0);
            }
            if (w.failure != null) {
                fail(where() + w.failure);
            }
        }
    }

    private void compare(String when) throws IOException {
        System.out.printf("[ConcurrentOracleIT] seed %d: comparing %s (%.1f s)%n", seed, when, (System.nanoTime() - started) / 1e9);
        List<String> diff = TreeState.differences(TreeState.of(oracle), TreeState.of(fs.root()));
        if (!diff.isEmpty()) {
            StringBuilder histories = new StringBuilder();
            workers.forEach(w -> histories.append(w.recent()));
            fail(where() + "the mount differs from the oracle " + when + ":\n" + String.join("\n", diff) + "\n"
                    + histories + fs.logTail());
        }
    }

    private String where() {
        return "seed " + seed + " (events: " + String.join(", ", events) + "): ";
    }

    /** One writer: its own operations, directory and handles; the first mismatch stops it. */
    private final class Worker {
        private final int index;
        private final String dir;
        private final OracleOps ops;
        private final SplittableRandom stripe;
        private final List<String> history = new ArrayList<>();
        private volatile String failure;
        private volatile boolean stopped;

        Worker(int index, String dir, OracleOps ops, SplittableRandom stripe) {
            this.index = index;
            this.dir = dir;
            this.ops = ops;
            this.stripe = stripe;
        }

        /** A write, read or fsync of this worker's stripe of the shared file (its path relative to the worker's directory). */
        Op stripeOp() {
            Path shared = Path.of("..", SHARED);
            long start = (long) index * STRIPE;
            int dice = stripe.nextInt(20);
            if (dice < 12) {
                long at = start + stripe.nextInt(STRIPE);
                int len = 1 + stripe.nextInt((int) Math.min(start + STRIPE - at, stripe.nextBoolean() ? 8192 : STRIPE));
                byte[] data = new byte[len];
                stripe.nextBytes(data);
                return Op.of("write shared @" + at + " " + len + " bytes", (root, side) -> {
                    try (FileChannel ch = FileChannel.open(root.resolve(shared), StandardOpenOption.WRITE)) {
                        ch.write(ByteBuffer.wrap(data), at);
                    }
                });
            } else if (dice < 17) {
                long at = start + stripe.nextInt(STRIPE);
                int len = 1 + stripe.nextInt((int) (start + STRIPE - at));
                return new Op("read shared @" + at + " " + len, (root, side) -> {
                    try (FileChannel ch = FileChannel.open(root.resolve(shared), StandardOpenOption.READ)) {
                        return OracleOps.read(ch, at, len);
                    }
                });
            }
            return Op.of("fsync shared", (root, side) -> {
                try (FileChannel ch = FileChannel.open(root.resolve(shared), StandardOpenOption.READ)) {
                    ch.force(true);
                }
            });
        }

        void run(int from, int steps, int signalAt, CountDownLatch underWay) throws IOException {
            boolean signalled = false;
            try {
                for (int step = from; step < from + steps && failure == null && !stopped; step++) {
                    if (step == signalAt) {
                        underWay.countDown();
                        signalled = true;
                    }
                    apply(stripe.nextInt(5) == 0 ? stripeOp() : ops.next(step), step);
                    if (failure != null) {
                        stopAll();
                    }
                }
            } finally {
                if (!signalled) {
                    underWay.countDown(); // this worker's share, if it stopped before signalAt
                }
            }
        }

        /** Runs the operation in this worker's directory of the oracle, then of the mount; both must end the same way. */
        void apply(Op op, int step) {
            history.add(step + ": " + op.text());
            String expected = OracleIT.outcome(op, oracle.resolve(dir), 0);
            String actual = OracleIT.outcome(op, fs.root().resolve(dir), 1);
            ops.settle(op);
            if (!expected.equals(actual) && failure == null) {
                failure = "worker " + index + " (" + dir + "), step " + step + ": " + op.text() + "\n  oracle: " + expected
                        + "\n  mount:  " + actual + "\n" + recent();
                System.out.println("[ConcurrentOracleIT] seed " + seed + ", worker " + index + "'s whole history:\n  " + String.join("\n  ", history));
            }
        }

        String recent() {
            int from = Math.max(0, history.size() - 40);
            return "worker " + index + "'s operations (the last " + (history.size() - from) + " of " + history.size() + "):\n  "
                    + String.join("\n  ", history.subList(from, history.size())) + "\n";
        }
    }
}
