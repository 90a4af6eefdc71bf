package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs the real product: {@code java -jar target/tgcryptfs.jar mount <dir>} in its own temporary XDG
 * directories, waits until the kernel lists the mount, and stops it through {@code unmount} (or
 * SIGTERM), asserting a clean exit. Register it per test class so one mount serves the whole class:
 *
 * <pre>{@code @RegisterExtension static final MountFixture fs = new MountFixture();}</pre>
 *
 * or use it with try-with-resources for a volume of one's own. Every wait polls a condition against a
 * deadline and fails with the mount process's output.
 *
 * <p>System properties: {@code tgcryptfs.it.jar} (default {@code <basedir>/target/tgcryptfs.jar});
 * {@code tgcryptfs.it.keep=true} keeps the temporary directories for inspection;
 * {@code tgcryptfs.it.baseline=true} runs the behaviour tests against a plain directory of the local
 * disk instead of a mount, to check the tests themselves (tests of the product's CLI and state are skipped).
 */
public final class MountFixture implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

    /** uid and gid of {@code nobody}, the "other user" of the permission tests. */
    public static final int NOBODY = 65534;

    static final Duration MOUNT_DEADLINE = Duration.ofSeconds(30);
    static final Duration UNMOUNT_DEADLINE = Duration.ofSeconds(180);
    static final Duration TOOL_DEADLINE = Duration.ofSeconds(120);

    private static final String PYTHON = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

    private static final String PYTHON_PRELUDE = """
            import os, sys, errno, stat, ctypes, ctypes.util, socket, hashlib, json
            libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
            def check(rc):
                if rc < 0:
                    e = ctypes.get_errno()
                    raise OSError(e, os.strerror(e))
                return rc
            def _main(args):
                pass
            """;

    private static final boolean BASELINE = Boolean.getBoolean("tgcryptfs.it.baseline");

    private final Map<String, String> properties = new LinkedHashMap<>();
    private final List<String> mountArgs = new ArrayList<>();
    private final AtomicInteger names = new AtomicInteger();
    private String password = "it-" + HexFormat.of().formatHex(randomBytes(8));

    private Path work;
    private Path mountpoint;
    private Path dataHome;
    private Path configHome;
    private Process process;
    private final Map<String, String> extraEnvironment = new LinkedHashMap<>();
    private Path log;
    private int launches;

    /** Adds {@code -Dtgcryptfs.<key>=<value>} to every later mount (e.g. {@code "fuse.debug", "true"}). */
    public MountFixture withProperty(String key, String value) {
        properties.put(key, value);
        return this;
    }

    /** Adds options to every later {@code mount} command line, before the mountpoint (e.g. {@code --config F}). */
    public MountFixture withMountArgs(String... args) {
        mountArgs.addAll(List.of(args));
        return this;
    }

    /** Sets an environment variable for every later mount and command (e.g. {@code LC_ALL=C}). */
    public MountFixture withEnvironment(String key, String value) {
        extraEnvironment.put(key, value);
        return this;
    }

    public MountFixture withPassword(String newPassword) {
        this.password = newPassword;
        return this;
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        close();
    }

    /** Mounts (creating the volume on first use) and returns once the kernel lists the mount. */
    public MountFixture start() {
        ensureDirectories();
        if (BASELINE) {
            return this;
        }
        if (process != null && process.isAlive()) {
            fail("already mounted at " + mountpoint);
        }
        process = launchMount(password);
        awaitMounted(process);
        return this;
    }

    /** Unmounts through {@code tgcryptfs unmount}; asserts both commands exit 0 and the mount is gone. */
    public void stop() {
        if (BASELINE) {
            return;
        }
        requireRunning();
        ToolResult unmount = cli("unmount", mountpoint.toString());
        if (unmount.exitCode() != 0) {
            fail("`tgcryptfs unmount` failed\n" + unmount.describe() + "\n" + logTail());
        }
        awaitCleanExit("after `tgcryptfs unmount`");
    }

    /** Stops the mount with SIGTERM; asserts exit code 0 and the mount is gone. */
    public void terminate() {
        if (BASELINE) {
            return;
        }
        requireRunning();
        process.destroy(); // SIGTERM on Linux
        awaitCleanExit("after SIGTERM");
    }

    public void restart() {
        stop();
        start();
    }

    /** Kills the mount process with SIGKILL (a crash) and detaches the dead mount. */
    public void crash() {
        assumeNotBaseline();
        requireRunning();
        process.destroyForcibly();
        awaitExit(process, UNMOUNT_DEADLINE);
        run(List.of("umount", "-l", mountpoint.toString()), TOOL_DEADLINE, Map.of(), work);
        if (isMounted()) {
            fail(mountpoint + " is still mounted after the crash");
        }
    }

    /**
     * SIGKILL without unmounting: the kernel keeps the dead mount, answering ENOTCONN, as it does after a
     * crash of the process or the OOM killer.
     */
    public void killLeavingADeadMount() {
        assumeNotBaseline();
        requireRunning();
        process.destroyForcibly();
        awaitExit(process, UNMOUNT_DEADLINE);
    }

    /** Waits until the output of {@code mount} (from {@link #launchMount}) holds {@code text}; fails if it exits first. */
    public void awaitOutput(Process mount, String text) {
        long deadline = System.nanoTime() + MOUNT_DEADLINE.toNanos();
        while (!log().contains(text)) {
            if (!mount.isAlive()) {
                fail("mount process exited with " + mount.exitValue() + " before saying \"" + text + "\"\n" + logTail());
            }
            if (System.nanoTime() > deadline) {
                fail("the mount did not say \"" + text + "\" within " + MOUNT_DEADLINE + "\n" + logTail());
            }
            pause();
        }
    }

    /** Unmounts cleanly if still mounted (asserting it), then forces any leftovers away and deletes the temp dirs. */
    @Override
    public void close() {
        Throwable failure = null;
        try {
            if (process != null && process.isAlive()) {
                stop();
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            forceCleanup();
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new AssertionError("unmount failed", failure);
        }
    }

    /** Starts {@code tgcryptfs mount} without waiting for it; for tests of failing mounts. */
    public Process launchMount(String pw) {
        assumeNotBaseline();
        ensureDirectories();
        launches++;
        log = work.resolve("mount-" + launches + ".log");
        List<String> cmd = javaCommand();
        cmd.add("mount");
        cmd.addAll(mountArgs);
        cmd.add(mountpoint.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(environment(pw));
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd, e);
        }
    }

    /**
     * Starts {@code tgcryptfs ARGS} in the background with this fixture's environment and password,
     * output to {@code <work>/<logName>} (for a second mount, such as a read-only restore point).
     */
    public Process launchCli(String logName, String... args) {
        ensureDirectories();
        List<String> cmd = javaCommand();
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(work.resolve(logName).toFile());
        pb.environment().putAll(environment(password()));
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd, e);
        }
    }

    private void awaitMounted(Process p) {
        long deadline = System.nanoTime() + MOUNT_DEADLINE.toNanos();
        while (!isMounted()) {
            if (!p.isAlive()) {
                fail("mount process exited with " + p.exitValue() + " before the mount appeared\n" + logTail());
            }
            if (System.nanoTime() > deadline) {
                fail("mountpoint " + mountpoint + " did not appear in /proc/self/mountinfo within " + MOUNT_DEADLINE + "\n" + logTail());
            }
            pause();
        }
    }

    private void awaitCleanExit(String when) {
        int exit = awaitExit(process, UNMOUNT_DEADLINE);
        if (exit == Integer.MIN_VALUE) {
            fail("mount process still running " + UNMOUNT_DEADLINE + " " + when + "\n" + logTail());
        }
        assertEquals(0, exit, () -> "mount process exit code " + when + "\n" + logTail());
        if (isMounted()) {
            fail(mountpoint + " is still in /proc/self/mountinfo after the mount process exited " + when);
        }
    }

    /** Waits for the process to exit; returns its exit code or {@link Integer#MIN_VALUE} on timeout. */
    public static int awaitExit(Process p, Duration deadline) {
        try {
            return p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS) ? p.exitValue() : Integer.MIN_VALUE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + p, e);
        }
    }

    private void requireRunning() {
        if (process == null || !process.isAlive()) {
            fail("not mounted" + (log == null ? "" : "\n" + logTail()));
        }
    }

    private void forceCleanup() {
        if (work == null) {
            return;
        }
        if (process != null && process.isAlive()) {
            process.destroy();
            if (awaitExit(process, Duration.ofSeconds(30)) == Integer.MIN_VALUE) {
                process.destroyForcibly();
                awaitExit(process, Duration.ofSeconds(10));
            }
        }
        for (MountInfo.Entry e : MountInfo.entries()) {
            if (e.mountPoint().startsWith(work) && e.fsType().startsWith("fuse")) {
                run(List.of("fusermount", "-u", "-z", e.mountPoint().toString()), Duration.ofSeconds(20), Map.of(), Path.of("/"));
            }
        }
        if (isMounted() || anythingMountedUnder(work) || Boolean.getBoolean("tgcryptfs.it.keep")) {
            System.err.println("[MountFixture] keeping " + work);
            return;
        }
        // rm copes with paths longer than PATH_MAX (the deep-path test) and stays off other file systems
        ToolResult rm = run(List.of("rm", "-rf", "--one-file-system", work.toString()), Duration.ofSeconds(120), Map.of(), Path.of("/"));
        if (rm.exitCode() != 0) {
            System.err.println("[MountFixture] could not delete " + work + "\n" + rm.describe());
        }
    }

    // ---------------------------------------------------------------- where things are

    /** The mountpoint: the root directory of the mounted filesystem. */
    public Path root() {
        ensureDirectories();
        return mountpoint;
    }

    /** {@code $XDG_DATA_HOME/tgcryptfs}: volume header, meta/, outbox/, cache/, backend/. */
    public Path stateDir() {
        ensureDirectories();
        return dataHome.resolve("tgcryptfs");
    }

    /** A new machine: deletes everything in the (unmounted) state directory except the local backend's objects. */
    public void wipeAllButTheBackend() {
        try (java.util.stream.Stream<Path> entries = java.nio.file.Files.list(stateDir())) {
            for (Path p : entries.toList()) {
                if (!p.getFileName().toString().equals("backend")) {
                    deleteTree(p);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (java.nio.file.Files.isDirectory(p) && !java.nio.file.Files.isSymbolicLink(p)) {
            try (java.util.stream.Stream<Path> children = java.nio.file.Files.list(p)) {
                for (Path c : children.toList()) {
                    deleteTree(c);
                }
            }
        }
        java.nio.file.Files.deleteIfExists(p);
    }

    /**
     * Writes back and evicts every unused dentry and inode of the machine (/proc/sys/vm/drop_caches, root):
     * what is read next comes from the file system, not the kernel's attribute cache.
     *
     * @return false when this process may not (not root)
     */
    public boolean dropKernelCaches() {
        Path knob = Path.of("/proc/sys/vm/drop_caches");
        if (!Files.isWritable(knob)) {
            return false;
        }
        run("sync").assertOk();
        try {
            Files.writeString(knob, "2");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return true;
    }

    /** Skips the calling test when running against a plain directory ({@code tgcryptfs.it.baseline}). */
    public static void assumeNotBaseline() {
        Assumptions.assumeFalse(BASELINE, "needs the real product, not the plain-directory baseline");
    }

    public Path dataHome() {
        ensureDirectories();
        return dataHome;
    }

    /** {@code $XDG_CONFIG_HOME} of the mount process. */
    public Path configHome() {
        ensureDirectories();
        return configHome;
    }

    /** The temporary directory holding everything of this fixture (not the mount). */
    public Path workDir() {
        ensureDirectories();
        return work;
    }

    public String password() {
        return password;
    }

    /** Output of the latest mount process so far. */
    public String log() {
        try {
            return log == null || !Files.exists(log) ? "" : Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    public String logTail() {
        String[] lines = log().split("\n");
        int from = Math.max(0, lines.length - 80);
        return "---- mount output (" + log + ", last " + (lines.length - from) + " lines) ----\n"
                + String.join("\n", List.of(lines).subList(from, lines.length));
    }

    public boolean isMounted() {
        return mountpoint != null && MountInfo.isMounted(mountpoint);
    }

    /** A new directory in the mount with a unique name starting with {@code hint}. */
    public Path newDir(String hint) {
        Path dir = root().resolve(uniqueName(hint));
        try {
            return Files.createDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("mkdir " + dir, e);
        }
    }

    /** A new directory in the mount, mode 0777, so {@code nobody} can create files in it. */
    public Path newSharedDir(String hint) {
        Path dir = newDir(hint);
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        } catch (IOException e) {
            throw new UncheckedIOException("chmod 0777 " + dir, e);
        }
        return dir;
    }

    public String uniqueName(String hint) {
        return hint + "-" + names.incrementAndGet() + "-" + HexFormat.of().formatHex(randomBytes(3));
    }

    // ---------------------------------------------------------------- commands

    /** Runs {@code java -jar tgcryptfs.jar args...} with this fixture's environment and password. */
    public ToolResult cli(String... args) {
        return cliWithPassword(password, args);
    }

    /**
     * {@code tgcryptfs args}, started by bash after {@code exports}: ASCII shell text that may set
     * variables to any bytes ($'..' escapes), which this JVM's own locale might not carry to a child.
     */
    public ToolResult cliAfterShell(String exports, String... args) {
        assumeNotBaseline();
        ensureDirectories();
        List<String> cmd = javaCommand();
        cmd.addAll(List.of(args));
        StringBuilder line = new StringBuilder(exports).append("; exec");
        cmd.forEach(word -> line.append(" '").append(word.replace("'", "'\\''")).append('\''));
        return run(List.of("bash", "-c", line.toString()), TOOL_DEADLINE, environment(password), work);
    }

    public ToolResult cliWithPassword(String pw, String... args) {
        assumeNotBaseline();
        ensureDirectories();
        List<String> cmd = javaCommand();
        cmd.addAll(List.of(args));
        return run(cmd, TOOL_DEADLINE, environment(pw), work);
    }

    /** Runs a tool as root with the mount root as working directory. */
    public ToolResult run(String... cmd) {
        return run(List.of(cmd), TOOL_DEADLINE, Map.of(), root());
    }

    /** Runs a tool as another user (uid = gid = {@code uid}, no supplementary groups). */
    public ToolResult runAs(int uid, String... cmd) {
        List<String> full = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--"));
        full.addAll(List.of(cmd));
        return run(full, TOOL_DEADLINE, Map.of("HOME", "/"), Path.of("/"));
    }

    /**
     * Runs a python3 snippet as root. The snippet is the body of {@code _main(args)}; {@code args} are the
     * extra arguments; {@code os, sys, errno, stat, ctypes, socket, hashlib, json}, {@code libc} (with
     * errno) and {@code check(rc)} (raises OSError for rc < 0) are in scope. An escaping OSError prints
     * {@code errno=ENAME} and exits {@value ToolResult#PYTHON_OSERROR_EXIT}; see {@link ToolResult#assertErrno}.
     */
    public ToolResult python(String body, String... args) {
        return run(pythonCommand(body, args), TOOL_DEADLINE, Map.of("PYTHONDONTWRITEBYTECODE", "1"), root());
    }

    /** {@link #python} as another user. */
    public ToolResult pythonAs(int uid, String body, String... args) {
        return runAs(uid, pythonCommand(body, args).toArray(String[]::new));
    }

    private static List<String> pythonCommand(String body, String... args) {
        StringBuilder script = new StringBuilder(PYTHON_PRELUDE);
        for (String line : body.split("\n")) {
            script.append("    ").append(line).append('\n');
        }
        script.append("""
                try:
                    _main(sys.argv[1:])
                except OSError as e:
                    print("errno=" + errno.errorcode.get(e.errno, str(e.errno)))
                    sys.stdout.flush()
                    sys.exit(17)
                """);
        List<String> cmd = new ArrayList<>(List.of(PYTHON, "-c", script.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** A command's output: names that are not UTF-8 (the oracles print them) show as U+FFFD instead of failing the read. */
    private static String text(Path output) throws IOException {
        return new String(Files.readAllBytes(output), StandardCharsets.UTF_8);
    }

    /** Runs a command with a deadline; on timeout kills it and fails. */
    public static ToolResult run(List<String> cmd, Duration deadline, Map<String, String> env, Path cwd) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("it-out", ".txt");
            err = Files.createTempFile("it-err", ".txt");
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().putAll(env);
            Process p = pb.start();
            int exit = awaitExit(p, deadline);
            if (exit == Integer.MIN_VALUE) {
                p.destroyForcibly();
                awaitExit(p, Duration.ofSeconds(10));
                fail("command did not finish within " + deadline + ": " + cmd + "\nstdout: " + text(out)
                        + "\nstderr: " + text(err));
            }
            return new ToolResult(cmd, exit, text(out), text(err));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + cmd, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private List<String> javaCommand() {
        Path jar = stableJar();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(classDataSharing(jar));
        cmd.add("-Dtgcryptfs.kdf.memory-kib=8192");
        cmd.add("-Dtgcryptfs.kdf.iterations=1");
        // the mount's lookup warm-up still runs, for a tenth of its time: the suite starts about 150
        // mounts, and up to a second each would add minutes for speed no test measures
        cmd.add("-Dtgcryptfs.fuse.warm-up=100ms");
        // and the JIT warm-up of the seal path not at all: one to two seconds of CPU per mount, on 2 cores
        // shared with the test and, in CI, another test class
        cmd.add("-Dtgcryptfs.engine.jit-warm-up=false");
        properties.forEach((k, v) -> cmd.add("-Dtgcryptfs." + k + "=" + v));
        cmd.add("-jar");
        cmd.add(jar.toString());
        return cmd;
    }

    private static Path stableJarCopy;
    private static boolean archiveRequested;

    /**
     * Application class-data sharing for the hundreds of short JVMs the suite starts (mounts, CLI
     * calls): the first one that exits normally dumps the classes it loaded next to the jar copy, the
     * later ones map them (measured here: a mount comes up in about 3.1 s instead of 4.3 s). Startup
     * only; an unusable archive is ignored by the JVM.
     */
    private static synchronized List<String> classDataSharing(Path jar) {
        Path archive = jar.resolveSibling("classes.jsa");
        if (Files.isRegularFile(archive)) {
            return List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto", "-Xlog:cds*=off");
        }
        if (archiveRequested) {
            return List.of();
        }
        archiveRequested = true;
        archive.toFile().deleteOnExit();
        // the dump's warnings (classes CDS cannot hold) would land on the command's stdout
        return List.of("-XX:ArchiveClassesAtExit=" + archive, "-Xlog:cds*=off");
    }

    /**
     * A private copy of the jar, taken once per test JVM: a rebuild of target/ while the suite runs must
     * not pull classes out from under a running mount. The copy is checked to be a complete jar.
     */
    private static synchronized Path stableJar() {
        if (stableJarCopy != null) {
            return stableJarCopy;
        }
        Path jar = jar();
        if (!Files.isRegularFile(jar)) {
            fail(jar + " does not exist; build it with `mvn -DskipTests package` (mvn verify does that first)");
        }
        try {
            Path dir = Files.createTempDirectory("tgcryptfs-it-jar-");
            Path copy = dir.resolve("tgcryptfs.jar");
            dir.toFile().deleteOnExit();
            copy.toFile().deleteOnExit();
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (true) {
                Files.copy(jar, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                String problem = jarProblem(copy);
                if (problem == null) {
                    stableJarCopy = copy;
                    return copy;
                }
                if (System.nanoTime() > deadline) {
                    fail(jar + " is not a usable jar (" + problem + ")");
                }
                pause(); // a build is rewriting it; take the copy again
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + jar, e);
        }
    }

    private static String jarProblem(Path jar) {
        try (java.util.jar.JarFile jf = new java.util.jar.JarFile(jar.toFile())) {
            java.util.jar.Manifest manifest = jf.getManifest();
            if (manifest == null || manifest.getMainAttributes().getValue("Main-Class") == null) {
                return "no Main-Class in its manifest";
            }
            String main = manifest.getMainAttributes().getValue("Main-Class").replace('.', '/') + ".class";
            if (jf.getEntry(main) == null) {
                return "no " + main;
            }
            // the shaded jar carries its dependencies; the plain one from the jar plugin does not
            return jf.getEntry("picocli/CommandLine.class") == null ? "not the shaded jar (no picocli inside)" : null;
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static Path jar() {
        String explicit = System.getProperty("tgcryptfs.it.jar");
        if (explicit != null) {
            return Path.of(explicit).toAbsolutePath();
        }
        String basedir = System.getProperty("basedir", System.getProperty("user.dir"));
        return Path.of(basedir, "target", "tgcryptfs.jar").toAbsolutePath();
    }

    private Map<String, String> environment(String pw) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("XDG_DATA_HOME", dataHome.toString());
        env.put("XDG_CONFIG_HOME", configHome.toString());
        env.put("TGCRYPTFS_PASSWORD", pw);
        env.putAll(extraEnvironment);
        return env;
    }

    private void ensureDirectories() {
        if (work != null) {
            return;
        }
        try {
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
            work = Files.createTempDirectory(tmp, "tgcryptfs-it-").toRealPath();
            // other users must be able to reach the mountpoint
            Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
            mountpoint = Files.createDirectory(work.resolve("mnt"));
            dataHome = Files.createDirectory(work.resolve("data"));
            configHome = Files.createDirectory(work.resolve("config"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the fixture's directories", e);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Polls {@code condition} every few milliseconds until it holds; fails with {@code what} after the deadline. */
    public static void await(String what, Duration deadline, BooleanSupplier condition) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("timed out after " + deadline + " waiting for " + what);
            }
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    private static boolean anythingMountedUnder(Path dir) {
        return MountInfo.mountPoints().stream().anyMatch(p -> p.startsWith(dir));
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temp file of our own; nothing to do
            }
        }
    }
}
