package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tgcryptfs.backend.telegram.fake.FakeBotApi;
import io.tgcryptfs.it.OracleOps.Op;
import io.tgcryptfs.it.telegram.TelegramVolume;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Model-based test: a seeded random sequence of file operations ({@link OracleOps}) is applied through
 * java.nio to a real mount and to a plain directory on the local disk, the oracle. Each operation must
 * end the same way on both (success, the same read result, or the same errno), and every
 * {@value #COMPARE_EVERY} steps the whole trees must be equal ({@link TreeState}). Mid-run: `sync`, one
 * `gc`, a crash (SIGKILL right after every file was fsync'd: nothing may be missing after it) and clean
 * remounts; at the end a restore on a new machine (an empty state directory, the same
 * backend and password), compared again, then more operations on the restored volume, compared again.
 *
 * <p>A seed replays the same run. Other seeds: {@code -Dtgcryptfs.it.oracle.seeds=4,5,6}.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OracleIT {
    private static final int STEPS = 300;
    private static final int STEPS_AFTER_RESTORE = 60;
    private static final int COMPARE_EVERY = 30;

    /** Attempts at each `tgcryptfs` command on {@link #flakyTelegram}, whose last request may fail for good. */
    static final int FLAKY_ATTEMPTS = 20;
    /** Attempts at each `tgcryptfs` command: more than one where the backend fails now and then on purpose. */
    private int attempts = 1;
    private final long started = System.nanoTime();
    private final List<String> history = new ArrayList<>();
    private long seed;
    private int step;
    private MountFixture fs;
    private Path oracle;
    private OracleOps ops;

    static LongStream seeds() {
        return seeds("tgcryptfs.it.oracle.seeds", "1,2");
    }

    static LongStream telegramSeeds() {
        return seeds("tgcryptfs.it.oracle.telegram-seeds", "1");
    }

    /** The seeds listed in system property {@code property} (comma-separated), else {@code defaults}. */
    static LongStream seeds(String property, String defaults) {
        return Arrays.stream(System.getProperty(property, defaults).split(",")).mapToLong(s -> Long.parseLong(s.strip()));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomOperations_matchALocalDirectory_acrossRemountsAndARestore(long seed) throws IOException {
        MountFixture.assumeNotBaseline();
        this.seed = seed;
        try (MountFixture mount = busyMount()) {
            runOn(mount);
        }
    }

    /**
     * The same on the fake Bot API server, which fails one request in twenty (500s and 502s), drops one
     * connection in twenty and loses one response in twenty after storing the document: uploads, restore
     * points, gc's deletions and the restore on a new machine retry through all of it. A `tgcryptfs`
     * command may fail for good meanwhile (its last request failed) and is run again, as an operator would.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("telegramSeeds")
    void randomOperations_onAFlakyTelegram_matchALocalDirectory_acrossRemountsAndARestore(long seed) throws IOException {
        MountFixture.assumeNotBaseline();
        this.seed = seed;
        this.attempts = FLAKY_ATTEMPTS;
        try (FakeBotApi api = flakyTelegram(seed); MountFixture mount = busyMountOn(api)) {
            runOn(mount);
            long failedUploads = api.requests("sendDocument") - api.documentsEverStored();
            System.out.printf("[OracleIT] seed %d on Telegram: %d sendDocument requests for %d stored documents; requests %s%n",
                    seed, api.requests("sendDocument"), api.documentsEverStored(), api.requestsByMethod());
            assertTrue(failedUploads > 0, "the injected faults hit no upload: the run proves nothing about them");
        }
    }

    /** A fake Bot API server failing, dropping and losing the answer of one request in twenty each. */
    static FakeBotApi flakyTelegram(long seed) throws IOException {
        FakeBotApi api = TelegramVolume.fake().unlimited().seed(seed).start();
        api.setServerErrorRate(0.05);
        api.setDropRate(0.05);
        api.setLostResponseRate(0.05);
        return api;
    }

    /** {@link #busyMount()} on {@code api}, paced only by its faults, retrying quickly; on the local backend when null. */
    static MountFixture busyMountOn(FakeBotApi api) {
        if (api == null) {
            return busyMount();
        }
        MountFixture mount = TelegramVolume.on(api, busyMount());
        TelegramVolume.UNPACED.forEach(mount::withProperty);
        return mount.withProperty("upload.retry.min-backoff", "50ms").withProperty("upload.retry.max-backoff", "500ms");
    }

    /** Small packs, quick sealing, passivation and restore points: more of the machinery runs in a short test. */
    static MountFixture busyMount() {
        return new MountFixture().withProperty("pack.target-size", "1MiB")
                .withProperty("dirty.expiry", "300ms").withProperty("dirty.max-age", "2s")
                .withProperty("cache.plaintext-size", "1MiB").withProperty("engine.passivate-after", "2s")
                .withProperty("metadata.max-unbacked", "6s")
                // gc may delete whatever the newest point no longer needs
                .withProperty("metadata.retention.keep-within", "0s").withProperty("metadata.retention.keep-hourly", "0")
                .withProperty("metadata.retention.keep-daily", "0");
    }

    /** Mounts {@code mount}, makes the oracle beside it, and runs the operations of {@link #seed}. */
    private void runOn(MountFixture mount) throws IOException {
        fs = mount.start();
        oracle = Files.createDirectory(fs.workDir().resolve("oracle"));
        ops = new OracleOps(seed, oracle);
        try {
            run();
        } finally {
            ops.closeQuietly();
        }
    }

    private void run() throws IOException {
        for (String dir : List.of("a", "b", "a/c")) {
            apply(Op.of("mkdir " + dir, (root, side) -> Files.createDirectory(root.resolve(dir))));
        }
        // the schedule has a random stream of its own, so it does not shift the operations
        SplittableRandom schedule = new SplittableRandom(~seed);
        Set<Integer> syncs = Set.of(40 + schedule.nextInt(60), 120 + schedule.nextInt(60), 220 + schedule.nextInt(60));
        int gcAt = syncs.stream().sorted().skip(1).findFirst().orElseThrow();
        Set<Integer> remounts = seed % 2 == 0 ? Set.of(150) : Set.of(100, 200);
        for (step = 1; step <= STEPS; step++) {
            apply(ops.next(step));
            if (syncs.contains(step)) {
                cli(step == gcAt ? List.of("sync", "gc") : List.of("sync")); // uploads and a restore point mid-run
            }
            if (remounts.contains(step)) {
                closeHandles();
                if (step == remounts.stream().min(Integer::compare).orElseThrow()) {
                    // the first is a crash: every file fsync'd (the journal keeps what is not sealed), then SIGKILL
                    history.add(step + ": fsync every file, kill -9, mount");
                    fsyncEveryFile(fs.root());
                    TreeState shown = TreeState.of(fs.root(), true);
                    fs.crash();
                    fs.start();
                    compare("after fsyncs and a crash");
                    compareTimes(shown, "after fsyncs and a crash");
                } else {
                    history.add(step + ": remount");
                    TreeState shown = TreeState.of(fs.root(), true);
                    fs.restart();
                    compare("after a remount");
                    compareTimes(shown, "after a remount");
                }
            } else if (step % COMPARE_EVERY == 0) {
                compare("every " + COMPARE_EVERY + " steps");
            }
        }
        closeHandles();
        compare("before the restore");

        history.add(step + ": unmount, then restore on a new machine and mount");
        TreeState shown = TreeState.of(fs.root(), true);
        fs.stop();
        fs.wipeAllButTheBackend();
        ToolResult restored = command("restore");
        if (restored.exitCode() != 0 || !restored.stdout().contains("restored restore point #")) {
            fail(where() + "`tgcryptfs restore` failed\n" + restored.describe() + "\n" + recent());
        }
        fs.start();
        compare("after the restore on a new machine");
        compareTimes(shown, "after the restore on a new machine");

        // the restored volume goes on: new inodes, chunks and names must not collide with restored ones
        for (int end = step + STEPS_AFTER_RESTORE; step < end; step++) {
            apply(ops.next(step));
        }
        closeHandles();
        compare("after operations on the restored volume");
    }

    /** Runs the operation on the oracle, then on the mount; both must end the same way. */
    private void apply(Op op) {
        history.add(step + ": " + op.text());
        String expected = outcome(op, oracle, 0);
        String actual = outcome(op, fs.root(), 1);
        ops.settle(op);
        if (!expected.equals(actual)) {
            fail(where() + op.text() + "\n  oracle: " + expected + "\n  mount:  " + actual + "\n" + recent() + fs.logTail());
        }
    }

    /** How {@code op} ended on {@code root}: its result, or the error (the errno's text) it failed with. */
    static String outcome(Op op, Path root, int side) {
        try {
            return op.action().run(root, side);
        } catch (FileSystemException e) {
            return e.getClass().getSimpleName() + " (" + e.getReason() + ")"; // the reason is the errno's text
        } catch (IOException e) {
            return e.toString();
        }
    }

    private void compare(String when) throws IOException {
        System.out.printf("[OracleIT] %scomparing %s (%.1f s)%n", where(), when, (System.nanoTime() - started) / 1e9);
        List<String> diff = TreeState.differences(TreeState.of(oracle), TreeState.of(fs.root()));
        if (!diff.isEmpty()) {
            fail(where() + "the mount differs from the oracle " + when + ":\n" + String.join("\n", diff) + "\n" + recent() + fs.logTail());
        }
    }

    /** The oracle's clock sets its times differently, but the volume must keep its own: to the nanosecond. */
    private void compareTimes(TreeState shown, String when) throws IOException {
        List<String> diff = TreeState.differences(shown, TreeState.of(fs.root(), true));
        if (!diff.isEmpty()) {
            fail(where() + "the mount's times changed " + when + ":\n" + String.join("\n", diff) + "\n" + recent() + fs.logTail());
        }
    }

    static void fsyncEveryFile(Path root) throws IOException {
        try (var files = Files.walk(root)) {
            for (Path f : files.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).toList()) {
                try (FileChannel ch = FileChannel.open(f, java.nio.file.StandardOpenOption.READ)) {
                    ch.force(true);
                }
            }
        }
    }

    private void cli(List<String> commands) {
        for (String command : commands) {
            history.add(step + ": tgcryptfs " + command);
            ToolResult r = command(command);
            if (r.exitCode() != 0) {
                fail(where() + "`tgcryptfs " + command + "` failed\n" + r.describe() + "\n" + recent() + fs.logTail());
            }
        }
    }

    /** {@code tgcryptfs command}, run again after a failure up to {@link #attempts} times in all. */
    private ToolResult command(String command) {
        return command(fs, command, attempts, failed -> history.add(step + ": " + failed));
    }

    /** {@code tgcryptfs command} on {@code fs}, run again after a failure (told to {@code failed}) up to {@code attempts} times in all. */
    static ToolResult command(MountFixture fs, String command, int attempts, java.util.function.Consumer<String> failed) {
        ToolResult r = fs.cli(command);
        for (int attempt = 2; attempt <= attempts && r.exitCode() != 0; attempt++) {
            failed.accept("tgcryptfs " + command + " failed (" + r.stderr().strip() + "), again");
            r = fs.cli(command);
        }
        return r;
    }

    private void closeHandles() {
        while (ops.openHandles() > 0) {
            apply(ops.close(0));
        }
    }

    private String where() {
        return "seed " + seed + ", step " + step + ": ";
    }

    private String recent() {
        int from = Math.max(0, history.size() - 60);
        return "operations (the last " + (history.size() - from) + " of " + history.size() + "):\n  "
                + String.join("\n  ", history.subList(from, history.size())) + "\n";
    }
}
