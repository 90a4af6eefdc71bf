package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded random system calls on a plain directory and on the mount at once ({@code syscall_oracle.py}):
 * the calls {@link OracleOps} cannot make from Java, on file descriptors (fsetxattr and the like,
 * fchmod, fchown, fallocate, O_APPEND, lseek), renameat2's flags, utimensat with exact times, chown
 * dropping set-id bits, fifos, copy_file_range. Each must end as on the plain directory (SEEK_DATA and
 * SEEK_HOLE, whose offsets differ by design, must each skip only zeros), and the trees
 * must match every 50 calls; then a remount, and fsyncs and a kill -9, must keep the tree, times
 * included, and more calls go on from there. Other seeds:
 * {@code -Dtgcryptfs.it.syscall-oracle.seeds=3,4}; longer runs: {@code -Dtgcryptfs.it.syscall-oracle.steps=5000}.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SyscallOracleIT {
    private static final String PROPERTY = "tgcryptfs.it.syscall-oracle.";
    private static final int STEPS = Integer.getInteger(PROPERTY + "steps", 1500);
    private static final Duration DEADLINE = Duration.ofSeconds(240);

    static LongStream seeds() {
        return OracleIT.seeds(PROPERTY + "seeds", "1");
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomSystemCalls_endAsOnAPlainDirectory_acrossARemountAndACrash(long seed) throws IOException {
        MountFixture.assumeNotBaseline();
        try (MountFixture mount = OracleIT.busyMount()) {
            MountFixture fs = mount.start();
            Path script = fs.workDir().resolve("syscall_oracle.py");
            try (InputStream in = SyscallOracleIT.class.getResourceAsStream("syscall_oracle.py")) {
                Files.copy(in, script);
            }
            Path oracle = fs.workDir().resolve("oracle");
            Path tree = fs.root().resolve("t");
            calls(fs, script, seed, oracle, tree);
            keeps(fs, tree, "a remount", fs::restart);
            // every file fsync'd, then SIGKILL: the write journal and LMDB must give back all of it
            OracleIT.fsyncEveryFile(tree);
            keeps(fs, tree, "fsyncs and a crash", () -> {
                fs.crash();
                fs.start();
            });
            calls(fs, script, seed + 1_000_000, oracle, tree); // more calls on the trees as they are
        }
    }

    /** Runs the script's calls with {@code seed} on both trees; they must end the same way. */
    private static void calls(MountFixture fs, Path script, long seed, Path oracle, Path tree) {
        ToolResult r = MountFixture.run(List.of("python3", script.toString(), Long.toString(seed), Integer.toString(STEPS),
                oracle.toString(), tree.toString()), DEADLINE, Map.of("PYTHONDONTWRITEBYTECODE", "1"), fs.workDir());
        if (r.exitCode() != 0) {
            fail("seed " + seed + ": " + r.stdout() + r.stderr() + "\n" + fs.logTail());
        }
        System.out.printf("[SyscallOracleIT] seed %d: %s", seed, r.stdout());
    }

    /** The tree, times included, is the same after {@code change} as before it. */
    private static void keeps(MountFixture fs, Path tree, String what, Runnable change) throws IOException {
        TreeState shown = TreeState.of(tree, true);
        change.run();
        List<String> diff = TreeState.differences(shown, TreeState.of(tree, true));
        if (!diff.isEmpty()) {
            fail("the tree changed across " + what + ":\n" + String.join("\n", diff) + "\n" + fs.logTail());
        }
    }
}
