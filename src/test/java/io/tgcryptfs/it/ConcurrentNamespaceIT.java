package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.fail;

import io.tgcryptfs.backend.telegram.fake.FakeBotApi;
import io.tgcryptfs.it.OracleOps.Op;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * Several workers change one small namespace at once: each draws {@link OracleOps} from what the
 * mount shows right now, so they create, write, rename across directories, link, unlink, rmdir and
 * keep handles on the same few names, and race each other's renames and removals. No oracle can say
 * what the tree should be; what is checked is what holds whatever the interleaving:
 * <ul>
 *   <li>every operation succeeds or fails as POSIX allows a race to make it fail (a name gone, taken,
 *       not empty, of the other kind), never with EIO, ESTALE, EACCES (the workers are root) or a dead mount;</li>
 *   <li>the tree is self-consistent: a file's link count is the number of its names, a directory's is
 *       two plus its subdirectories;</li>
 *   <li>the tree the mount showed is the tree after a remount, after fsyncs and a kill -9, and after a
 *       restore on a new machine (content, modes, links, xattrs, mtimes and ctimes), and the backend verifies;</li>
 *   <li>after a kill -9 in the middle of it all (no fsync), the mount starts, its tree is self-consistent,
 *       every file reads to its end and the backend verifies: what a crash keeps may be older, never broken.</li>
 * </ul>
 * A seed fixes each worker's random stream, not the interleaving. Other seeds:
 * {@code -Dtgcryptfs.it.concurrent-namespace.seeds=3,4}; longer phases: {@code .steps=400}; more workers:
 * {@code .workers=8}; more kills in the middle: {@code .crashes=5}; on OracleIT's flaky fake Bot API
 * server: {@code .backend=flaky-telegram}.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConcurrentNamespaceIT {
    private static final String PROPERTY = "tgcryptfs.it.concurrent-namespace.";
    private static final int WORKERS = Integer.getInteger(PROPERTY + "workers", 4);
    private static final int STEPS = Integer.getInteger(PROPERTY + "steps", 150);
    /** Kills in the middle of the operations, each at a random step. */
    private static final int CRASHES = Integer.getInteger(PROPERTY + "crashes", 1);
    private static final String SHARED = "s";
    /** On OracleIT's flaky fake Bot API server instead of the local backend (then each command may be run again). */
    private static final boolean FLAKY_TELEGRAM = "flaky-telegram".equals(System.getProperty(PROPERTY + "backend"));
    private static final int ATTEMPTS = FLAKY_TELEGRAM ? OracleIT.FLAKY_ATTEMPTS : 1;
    /** How a race may make an operation fail: the errno's text, as Java reports it. */
    private static final Set<String> RACE_ERRORS = Set.of("No such file or directory", "File exists", "Directory not empty",
            "Not a directory", "Is a directory", "Invalid argument", "No data available", "Operation not permitted",
            "Too many levels of symbolic links");
    private static final Set<Class<?>> RACE_EXCEPTIONS = Set.of(NoSuchFileException.class, FileAlreadyExistsException.class,
            DirectoryNotEmptyException.class, NotDirectoryException.class);

    private final long started = System.nanoTime();
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private long seed;
    private MountFixture fs;
    private final List<Worker> workers = new ArrayList<>();
    /** How many operations ended each way ("ok", or the error): what the run exercised. */
    private final Map<String, Integer> outcomes = new java.util.concurrent.ConcurrentSkipListMap<>();

    static LongStream seeds() {
        return OracleIT.seeds(PROPERTY + "seeds", "1");
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void racingNameChanges_leaveASelfConsistentTree_thatARemountACrashAndARestoreKeep(long seed) throws Exception {
        MountFixture.assumeNotBaseline();
        this.seed = seed;
        try (FakeBotApi api = FLAKY_TELEGRAM ? OracleIT.flakyTelegram(seed) : null;
             MountFixture mount = OracleIT.busyMountOn(api)) {
            fs = mount.start();
            Path shared = Files.createDirectory(fs.root().resolve(SHARED));
            for (String dir : List.of("a", "b", "a/c")) {
                Files.createDirectory(shared.resolve(dir));
            }
            byte[][] palette = OracleOps.palette(new SplittableRandom(seed));
            for (int i = 0; i < WORKERS; i++) {
                // the "oracle" each worker chooses names from is the mount itself
                workers.add(new Worker(i, new OracleOps(seed * 1000 + i, shared, palette)));
            }
            ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
            try {
                run(pool);
            } finally {
                pool.shutdownNow();
                workers.forEach(w -> w.ops.closeQuietly());
            }
            System.out.printf("[ConcurrentNamespaceIT] seed %d: outcomes %s%n", seed, outcomes);
        }
    }

    private void run(ExecutorService pool) throws Exception {
        phase(pool, 1, List.of("sync", "gc"));
        TreeState before = settled("after the first phase");
        events.add("remount");
        fs.restart();
        expect(before, "after a remount");

        phase(pool, 1 + STEPS, List.of("sync"));
        before = settled("after the second phase");
        events.add("fsync every file, kill -9, mount");
        OracleIT.fsyncEveryFile(fs.root());
        fs.crash();
        fs.start();
        expect(before, "after fsyncs and a crash");

        SplittableRandom schedule = new SplittableRandom(~seed);
        for (int crash = 1; crash <= CRASHES; crash++) {
            int when = 1 + schedule.nextInt(STEPS - 1);
            events.add("kill -9 while the workers run (at about step " + when + " of " + STEPS + "), then mount");
            crashWhileRunning(pool, 1 + 2 * STEPS, when);
            fs.start();
            before = settled("after crash " + crash + " in the middle of the operations");
            verify("after crash " + crash + " in the middle of the operations");
        }

        events.add("unmount, then restore on a new machine and mount");
        fs.stop();
        fs.wipeAllButTheBackend();
        ToolResult restored = command("restore");
        if (restored.exitCode() != 0 || !restored.stdout().contains("restored restore point #")) {
            fail(where() + "`tgcryptfs restore` failed\n" + restored.describe());
        }
        fs.start();
        expect(before, "after the restore on a new machine");
        verify("after the restore");

        phase(pool, 1 + 3 * STEPS, List.of());
        before = settled("after operations on the restored volume");
        fs.restart();
        expect(before, "after a remount of the restored volume");
    }

    private void verify(String when) {
        ToolResult verified = command("verify");
        if (verified.exitCode() != 0) {
            fail(where() + "`tgcryptfs verify` failed " + when + "\n" + verified.describe() + "\n" + fs.logTail());
        }
    }

    /**
     * Kills the mount once every worker has run {@code when} of {@link #STEPS} operations; what they see
     * after it (a dead mount) is no failure, and their handles are gone with it.
     */
    private void crashWhileRunning(ExecutorService pool, int from, int when) throws Exception {
        CountDownLatch underWay = new CountDownLatch(WORKERS);
        java.util.concurrent.atomic.AtomicBoolean killed = new java.util.concurrent.atomic.AtomicBoolean();
        List<Future<?>> running = new ArrayList<>();
        for (Worker w : workers) {
            running.add(pool.submit(() -> {
                try {
                    w.run(from, STEPS, from + when, underWay);
                } catch (Exception e) {
                    if (!killed.get()) {
                        throw e;
                    } // after the kill the mount point is an empty directory: the JDK's own exceptions leak out
                }
                return null;
            }));
        }
        underWay.await();
        killed.set(true);
        fs.crash();
        workers.forEach(w -> w.stopped = true);
        WorkerPhase.awaitAll(running);
        for (Worker w : workers) {
            w.ops.closeQuietly();
            w.failure = null;
            w.stopped = false;
        }
    }

    /** Every worker runs {@link #STEPS} operations at once; {@code commands} run while they do. */
    private void phase(ExecutorService pool, int from, List<String> commands) throws Exception {
        List<Future<?>> running = new ArrayList<>();
        for (Worker w : workers) {
            running.add(pool.submit(() -> {
                w.run(from, STEPS, -1, null);
                return null;
            }));
        }
        new WorkerPhase(running, () -> workers.forEach(w -> w.stopped = true),
                () -> workers.stream().filter(w -> w.failure != null).map(w -> w.failure).toList())
                .finish(commands, this::command, events::add, this::where, fs::logTail);
    }

    /** {@code tgcryptfs command}, run again after a failure up to {@link #ATTEMPTS} times in all. */
    private ToolResult command(String command) {
        return OracleIT.command(fs, command, ATTEMPTS, events::add);
    }

    /**
     * Closes every handle, then reads the tree and checks its link counts. The tree is read twice: as the
     * mount shows it, and again once the kernel's caches are dropped, which must differ in no more than a
     * directory's times. A lookup through a directory racing a change to it (a setxattr, a chmod) can
     * have its GETATTR reply, read before the change, applied after it, and the kernel then shows times
     * up to {@code fuse.attr-timeout} old (FUSE's attribute cache; seed 64 showed a ctime 32 ms old). The
     * second reading, what the volume holds, is what later phases must keep.
     */
    private TreeState settled(String when) throws IOException {
        for (Worker w : workers) {
            while (w.ops.openHandles() > 0) {
                w.apply(w.ops.close(0), -1);
            }
            if (w.failure != null) {
                fail(where() + w.failure + "\n" + fs.logTail());
            }
        }
        System.out.printf("[ConcurrentNamespaceIT] seed %d: reading the tree %s (%.1f s)%n", seed, when, (System.nanoTime() - started) / 1e9);
        TreeState shown = TreeState.of(fs.root(), true);
        TreeState tree = fs.dropKernelCaches() ? TreeState.of(fs.root(), true) : shown;
        List<String> stale = TreeState.differencesBeyondDirectoryTimes(shown, tree);
        if (!stale.isEmpty()) {
            fail(where() + "the mount showed " + when + " other than the volume holds:\n" + String.join("\n", stale)
                    + "\n" + histories() + fs.logTail());
        }
        List<String> wrong = linkCountErrors(fs.root());
        if (!wrong.isEmpty()) {
            fail(where() + "link counts " + when + ":\n  " + String.join("\n  ", wrong) + "\n" + histories() + fs.logTail());
        }
        return tree;
    }

    private void expect(TreeState expected, String when) throws IOException {
        System.out.printf("[ConcurrentNamespaceIT] seed %d: comparing %s (%.1f s)%n", seed, when, (System.nanoTime() - started) / 1e9);
        List<String> diff = TreeState.differences(expected, TreeState.of(fs.root(), true));
        if (!diff.isEmpty()) {
            fail(where() + "the tree differs " + when + " from what the mount showed before:\n" + String.join("\n", diff) + "\n"
                    + histories() + fs.logTail());
        }
    }

    /** A file's link count is the number of its names; a directory's, two plus its subdirectories. */
    static List<String> linkCountErrors(Path root) throws IOException {
        Map<Long, List<String>> names = new HashMap<>();
        Map<Long, Integer> nlinks = new HashMap<>();
        List<String> wrong = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                int subdirs = 0;
                try (var children = Files.list(dir)) {
                    for (Path child : children.toList()) {
                        subdirs += Files.isDirectory(child, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? 1 : 0;
                    }
                }
                int nlink = Stat.of(dir).nlink();
                if (nlink != 2 + subdirs) {
                    wrong.add(root.relativize(dir) + "/: nlink " + nlink + " with " + subdirs + " subdirectories");
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Stat st = Stat.of(file);
                names.computeIfAbsent(st.ino(), k -> new ArrayList<>()).add(root.relativize(file).toString());
                nlinks.put(st.ino(), st.nlink());
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                throw e;
            }
        });
        names.forEach((ino, paths) -> {
            if (nlinks.get(ino) != paths.size()) {
                wrong.add("inode " + ino + " " + paths + ": nlink " + nlinks.get(ino));
            }
        });
        return wrong;
    }

    private String histories() {
        StringBuilder out = new StringBuilder();
        workers.forEach(w -> out.append(w.recent()));
        return out.toString();
    }

    private String where() {
        return "seed " + seed + " (events: " + String.join(", ", events) + "): ";
    }

    /** One worker: its own random stream and handles, on the shared names; the first unexplained error stops it. */
    private final class Worker {
        private final int index;
        private final OracleOps ops;
        private final List<String> history = Collections.synchronizedList(new ArrayList<>());
        private volatile String failure;
        private volatile boolean stopped;

        Worker(int index, OracleOps ops) {
            this.index = index;
            this.ops = ops;
        }

        /** Runs {@code steps} operations; counts {@code underWay} down at step {@code signalAt} or when it stops. */
        void run(int from, int steps, int signalAt, CountDownLatch underWay) {
            boolean signalled = false;
            try {
                for (int step = from; step < from + steps && failure == null && !stopped; step++) {
                    if (step == signalAt) {
                        underWay.countDown();
                        signalled = true;
                    }
                    try {
                        apply(ops.next(step), step);
                    } catch (IOException raced) {
                        // a name it looked at changed while it chose: on to the next step
                    }
                }
            } finally {
                if (underWay != null && !signalled) {
                    underWay.countDown(); // stopped before signalAt: its share all the same
                }
            }
        }

        void apply(Op op, int step) {
            String outcome = OracleIT.outcome(op, fs.root().resolve(SHARED), 1);
            ops.settle(op);
            history.add(step + ": " + op.text() + " -> " + outcome);
            outcomes.merge(op.text().split(" ")[0] + (outcome.contains("Exception") ? " failed" : " ok"), 1, Integer::sum);
            if (!explained(outcome) && failure == null) {
                failure = "worker " + index + ", step " + step + ": " + op.text() + " failed: " + outcome + "\n" + recent();
                workers.forEach(w -> w.stopped = true);
            }
        }

        /** Whether the outcome is a result, or an error a racing worker can cause. */
        private boolean explained(String outcome) {
            if (!outcome.contains("Exception")) {
                return true;
            }
            for (Class<?> raced : RACE_EXCEPTIONS) {
                if (outcome.startsWith(raced.getSimpleName() + " ")) {
                    return true;
                }
            }
            // the errno's text ends a FileSystemException's reason, a FileNotFoundException's message
            // (RandomAccessFile), or a plain IOException's (a read of a name that became a directory)
            boolean errno = outcome.startsWith(FileSystemException.class.getSimpleName() + " ")
                    || outcome.startsWith("java.io.FileNotFoundException: ") || outcome.startsWith("java.io.IOException: ");
            return errno && RACE_ERRORS.stream().anyMatch(e -> outcome.contains("(" + e) || outcome.contains(": " + e));
        }

        String recent() {
            List<String> all;
            synchronized (history) {
                all = new ArrayList<>(history);
            }
            int from = Math.max(0, all.size() - 30);
            return "worker " + index + "'s operations (the last " + (all.size() - from) + " of " + all.size() + "):\n  "
                    + String.join("\n  ", all.subList(from, all.size())) + "\n";
        }
    }
}
