package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The command line as a user meets it: help, first mount, wrong password, init, unmount and SIGTERM. */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CliIT {

    @BeforeAll
    static void needsTheProduct() {
        MountFixture.assumeNotBaseline();
    }

    @Test
    void help_onEveryCommand_exitsZero() {
        try (MountFixture fs = new MountFixture()) {
            ToolResult main = fs.cli("--help").assertOk();
            for (String command : new String[] {"init", "mount", "unmount"}) {
                assertTrue(main.stdout().contains(command), "main --help lists the " + command + " command\n" + main.describe());
                ToolResult help = fs.cli(command, "--help").assertOk();
                assertTrue(help.stdout().toLowerCase().contains("usage"), command + " --help prints a usage text\n" + help.describe());
            }
            assertFalse(Files.exists(fs.stateDir().resolve("volume.header")), "--help creates no volume");
        }
    }

    @Test
    void firstMount_createsTheVolume_saysSo_andLaysOutTheStateDirectory() throws IOException {
        try (MountFixture fs = new MountFixture()) {
            fs.start();
            assertTrue(fs.log().toLowerCase().contains("creat"), "mount without a volume says that it created one\n" + fs.logTail());
            Files.writeString(fs.root().resolve("hello.txt"), "hello");
            fs.stop();
            for (String entry : new String[] {"volume.header", "meta", "outbox", "cache", "backend"}) {
                assertTrue(Files.exists(fs.stateDir().resolve(entry)), "state directory holds " + entry + "; it has " + list(fs.stateDir()));
            }
            String header = fingerprint(fs.stateDir()).get("volume.header");
            fs.start();
            assertEquals(header, fingerprint(fs.stateDir()).get("volume.header"), "the second mount keeps the volume header");
            assertEquals("hello", Files.readString(fs.root().resolve("hello.txt")), "data of the first mount");
        }
    }

    @Test
    void mount_withWrongPassword_exitsNonZeroWithinSeconds_mountsNothing_andChangesNothing() throws IOException {
        try (MountFixture fs = new MountFixture()) {
            fs.start();
            Files.writeString(fs.root().resolve("kept.txt"), "kept");
            fs.stop();
            Map<String, String> before = fingerprint(fs.stateDir());

            Process wrong = fs.launchMount(fs.password() + "-wrong");
            int exit = MountFixture.awaitExit(wrong, Duration.ofSeconds(20));
            if (exit == Integer.MIN_VALUE) {
                wrong.destroyForcibly();
                fail("mount with a wrong password was still running after 20 s\n" + fs.logTail());
            }
            assertNotEquals(0, exit, "exit code of mount with a wrong password\n" + fs.logTail());
            assertFalse(fs.isMounted(), "nothing is mounted after a wrong password");
            String output = fs.log().strip();
            assertFalse(output.isEmpty(), "a wrong password prints a reason");
            assertFalse(output.contains("\tat ") || output.contains("Exception in thread"),
                    "a wrong password gives a one-line reason, not a stack trace:\n" + output);
            assertEquals(before, fingerprint(fs.stateDir()), "a wrong password changes nothing in the state directory (outside meta/)");

            fs.start();
            assertEquals("kept", Files.readString(fs.root().resolve("kept.txt")), "the right password still mounts the volume");
        }
    }

    /**
     * The JDK decodes the environment with the locale's charset: under the C locale every non-ASCII byte of
     * $TGCRYPTFS_PASSWORD became U+FFFD, so a volume made by a service had a weaker password than the one
     * set, and that password from a file (or a terminal under a UTF-8 locale) did not open it.
     */
    @Test
    void aPasswordInTheEnvironmentUnderACLocale_isItsUtf8Bytes_soTheSamePasswordFromAFileOpensTheVolume() throws IOException {
        try (MountFixture fs = new MountFixture()) {
            // "pässwörd" in UTF-8, set by bash: the JVM running this test may not carry those bytes itself
            fs.cliAfterShell("export LC_ALL=C LANG=C TGCRYPTFS_PASSWORD=$'p\\xc3\\xa4ssw\\xc3\\xb6rd'", "init").assertOk();
            Path passwordFile = fs.workDir().resolve("password");
            Files.write(passwordFile, new byte[] {'p', (byte) 0xc3, (byte) 0xa4, 's', 's', 'w', (byte) 0xc3, (byte) 0xb6, 'r', 'd'});
            Path newPasswordFile = fs.workDir().resolve("new-password");
            Files.writeString(newPasswordFile, "another");
            fs.cli("passwd", "--password-file", passwordFile.toString(), "--new-password-file", newPasswordFile.toString())
                    .assertOk();
        }
    }

    /**
     * Refused before anything is made: an init whose password file is not UTF-8 left the local backend's
     * empty directory behind, and a mount on a directory that holds files created a volume before libfuse
     * refused the directory.
     */
    @Test
    void anInitOrMountRefusedForItsInput_leavesNoStateBehind() throws IOException {
        try (MountFixture fs = new MountFixture()) {
            Path notUtf8 = fs.workDir().resolve("password");
            Files.write(notUtf8, new byte[] {(byte) 0xff, (byte) 0xfe});
            ToolResult init = fs.cli("init", "--password-file", notUtf8.toString());
            assertNotEquals(0, init.exitCode(), init.describe());
            assertTrue(init.stderr().contains("not valid UTF-8"), init.describe());
            assertFalse(Files.exists(fs.stateDir()), "a refused init creates no state directory and no backend");

            Files.writeString(fs.root().resolve("already-here"), "kept");
            Process mount = fs.launchMount(fs.password());
            int exit = MountFixture.awaitExit(mount, Duration.ofSeconds(30));
            if (exit == Integer.MIN_VALUE) {
                mount.destroyForcibly();
                fail("a mount on a directory that holds a file was still running after 30 s\n" + fs.logTail());
            }
            assertNotEquals(0, exit, fs.logTail());
            assertTrue(fs.logTail().contains("is not empty"), fs.logTail());
            assertFalse(Files.exists(fs.stateDir()), "a refused mount creates no volume");
            assertEquals("kept", Files.readString(fs.root().resolve("already-here")));
        }
    }

    /**
     * After a kill -9 the kernel keeps a dead mount ("Transport endpoint is not connected"), and mounting
     * again said the mount point was not a directory. Now the mount clears it, says so, and serves the
     * volume with everything fsync'd before the kill.
     */
    @Test
    void aMountAfterAKill_clearsTheDeadMountTheKillLeft_andServesTheVolume() throws IOException {
        try (MountFixture fs = new MountFixture()) {
            fs.start();
            fs.python("""
                    with open(args[0], "w") as f:
                        f.write("kept")
                        f.flush()
                        os.fsync(f.fileno())
                    """, fs.root().resolve("kept").toString()).assertOk();
            fs.killLeavingADeadMount();
            ToolResult dead = MountFixture.run(List.of("stat", fs.root().toString()), Duration.ofSeconds(30), Map.of("LC_ALL", "C"),
                    fs.workDir());
            assertTrue(dead.stderr().contains("Transport endpoint is not connected"), "the kill left a dead mount\n" + dead.describe());

            Process again = fs.launchMount(fs.password());
            fs.awaitOutput(again, "mounted at");
            assertTrue(fs.logTail().contains("unmounted what a stopped mount left at " + fs.root()), fs.logTail());
            assertEquals("kept", Files.readString(fs.root().resolve("kept")));
            fs.cli("unmount", fs.root().toString()).assertOk();
            assertEquals(0, MountFixture.awaitExit(again, Duration.ofSeconds(60)), fs.logTail());
        }
    }

    @Test
    void init_withPasswordFile_createsAVolumeThatMountOpensWithThatPassword() throws IOException {
        try (MountFixture fs = new MountFixture()) {
            Path passwordFile = fs.workDir().resolve("password");
            Files.writeString(passwordFile, "password-from-file");
            ToolResult init = fs.cli("init", "--password-file", passwordFile.toString()).assertOk();
            assertTrue(Files.exists(fs.stateDir().resolve("volume.header")), "init writes the volume header\n" + init.describe());
            ToolResult again = fs.cli("init", "--password-file", passwordFile.toString());
            assertNotEquals(0, again.exitCode(), "init on an existing volume fails rather than overwriting it\n" + again.describe());

            // the environment holds a different password: mounting with it must fail, so init used the file
            Process wrong = fs.launchMount(fs.password());
            int exit = MountFixture.awaitExit(wrong, Duration.ofSeconds(20));
            if (exit == Integer.MIN_VALUE) {
                wrong.destroyForcibly();
                fail("mount with the environment's (wrong) password was still running after 20 s\n" + fs.logTail());
            }
            assertNotEquals(0, exit, "the volume was made with the file's password, not the environment's\n" + fs.logTail());

            fs.withPassword("password-from-file").start();
            Files.writeString(fs.root().resolve("f"), "works");
            assertEquals("works", Files.readString(fs.root().resolve("f")), "a volume made by init is usable");
        }
    }

    @Test
    void sigterm_unmountsCleanly_andKeepsTheData() throws IOException {
        try (MountFixture fs = new MountFixture()) {
            fs.start();
            byte[] data = FileDataIT.randomBytes(5 << 20, 3);
            Files.write(fs.root().resolve("data.bin"), data);
            fs.terminate();
            fs.start();
            FileDataIT.assertContentEquals(data, fs.root().resolve("data.bin"), "after SIGTERM and remount");
        }
    }

    @Test
    void unmount_ofADirectoryThatIsNotMounted_exitsNonZero() {
        try (MountFixture fs = new MountFixture()) {
            ToolResult r = fs.cli("unmount", fs.root().toString());
            assertNotEquals(0, r.exitCode(), "unmount of a directory that is not a tgcryptfs mount\n" + r.describe());
            assertFalse((r.stdout() + r.stderr()).contains("\tat "), "a one-line reason, not a stack trace\n" + r.describe());
        }
    }

    @Test
    void mount_onAMissingMountpoint_exitsNonZeroWithAReason() {
        try (MountFixture fs = new MountFixture()) {
            Path missing = fs.workDir().resolve("does-not-exist");
            ToolResult r = fs.cli("mount", missing.toString());
            assertNotEquals(0, r.exitCode(), "mount onto a missing directory\n" + r.describe());
            assertFalse((r.stdout() + r.stderr()).strip().isEmpty(), "prints a reason\n" + r.describe());
        }
    }

    @Test
    void mount_ofAVolumeMountedElsewhere_exitsNonZeroWithOnlyThatReason() throws IOException {
        try (MountFixture fs = new MountFixture()) {
            fs.start();
            Path other = Files.createDirectories(fs.workDir().resolve("other-mountpoint"));
            ToolResult r = fs.cli("mount", other.toString());
            String output = (r.stdout() + r.stderr()).strip();
            assertNotEquals(0, r.exitCode(), "a second mount of one volume\n" + r.describe());
            assertTrue(output.contains("already mounted by another process"), "says why\n" + r.describe());
            // the first mount holds the metrics port too: a refused mount must not talk about it
            assertEquals(1, output.lines().count(), "one line, the reason\n" + r.describe());
            assertFalse(MountInfo.isMounted(other), "nothing mounted at " + other);
        }
    }

    @Test
    void mount_withPasswordFile_usesTheFileNotTheEnvironment() throws IOException {
        try (MountFixture fs = new MountFixture()) {
            fs.start();
            Files.writeString(fs.root().resolve("f"), "via env");
            fs.stop();
            Path passwordFile = fs.workDir().resolve("password");
            Files.writeString(passwordFile, fs.password());
            fs.withMountArgs("--password-file", passwordFile.toString()).withPassword("not-the-password").start();
            assertEquals("via env", Files.readString(fs.root().resolve("f")), "mounted with the password from --password-file");
        }
    }

    @Test
    void configFile_givenWithConfig_isApplied() throws IOException {
        try (MountFixture fs = new MountFixture()) {
            Path conf = fs.workDir().resolve("custom.conf");
            Files.writeString(conf, "tgcryptfs.fuse.allow-other = false\n");
            fs.withMountArgs("--config", conf.toString()).start();
            assertOnlyRootCanEnter(fs, "with allow-other = false from --config");
        }
    }

    @Test
    void applicationConf_inXdgConfigHome_isApplied() throws IOException {
        try (MountFixture fs = new MountFixture()) {
            Path conf = Files.createDirectories(fs.configHome().resolve("tgcryptfs")).resolve("application.conf");
            Files.writeString(conf, "tgcryptfs.fuse.allow-other = false\n");
            fs.start();
            assertOnlyRootCanEnter(fs, "with allow-other = false from $XDG_CONFIG_HOME/tgcryptfs/application.conf");
        }
    }

    private static void assertOnlyRootCanEnter(MountFixture fs, String why) {
        fs.python("os.stat(args[0])", fs.root().toString()).assertOk();
        fs.pythonAs(MountFixture.NOBODY, "os.stat(args[0])", fs.root().toString()).assertErrno("EACCES");
        assertTrue(fs.isMounted(), why);
    }

    /** Size and SHA-256 of every file under the state directory except meta/ (LMDB may touch its lock file). */
    private static Map<String, String> fingerprint(Path state) {
        Map<String, String> result = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(state)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (p.startsWith(state.resolve("meta")) || !Files.isRegularFile(p)) {
                    continue;
                }
                result.put(state.relativize(p).toString(), Files.size(p) + " " + XattrIT.sha256(Files.readAllBytes(p)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }

    private static String list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList().toString();
        } catch (IOException e) {
            return "(cannot list: " + e + ")";
        }
    }
}
