package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code timemachine mount --share}: the mount runs Debian's smbd (on loopback, a free high port, with
 * the share {@code timemachine init} wrote) once it is up, and stops it before unmounting, on SIGTERM
 * and on {@code tgcryptfs unmount}, even while an SMB client is connected. Without a usable share
 * configuration it exits 2 and mounts nothing.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TimeMachineMountIT {
    private static final Pattern SMBD_PID = Pattern.compile("with smbd \\(pid (\\d+),");

    @Test
    void mountShare_servesTheShare_andStopsSmbdBeforeUnmounting() throws IOException {
        MountFixture.assumeNotBaseline();
        Assumptions.assumeTrue(SambaServer.smbd().isPresent() || "true".equalsIgnoreCase(System.getenv("CI")),
                "smbd is not installed (scripts/setup-debian.sh installs it); on CI this test must run");
        try (MountFixture fs = new MountFixture()) {
            Path work = fs.workDir();
            SambaServer samba = new SambaServer(Files.createDirectory(work.resolve("samba"))).configure(List.of());
            Path smbConf = samba.config();
            Path dir = fs.root().resolve("timemachine");
            fs.start();
            fs.cli("timemachine", "init", "--path", dir.toString(), "--user", SambaServer.USER,
                    "--samba-config", work.resolve("tm.conf").toString(), "--smb-conf", smbConf.toString(),
                    "--avahi", work.resolve("tm.service").toString(),
                    "--smbd-dropin", work.resolve("smbd.d/tgcryptfs.conf").toString()).assertOk();
            fs.stop();

            Process mount = launch(fs, smbConf, 1);
            int smbd = awaitServing(fs, 1);
            Path local = Files.createDirectories(work.resolve("local"));
            byte[] band = new byte[3 << 20];
            new Random(8).nextBytes(band);
            Files.write(local.resolve("band"), band);
            samba.smbclient("TimeMachine", "mkdir Mac.sparsebundle; mkdir Mac.sparsebundle\\bands; "
                    + "put band Mac.sparsebundle\\bands\\0", local);

            try (Client client = Client.connect(samba, work.resolve("client-1.out"), smbd, fs.root())) {
                mount.destroy(); // SIGTERM, with a client connected: smbd must go first, or the mount stays busy
                assertEquals(0, MountFixture.awaitExit(mount, MountFixture.UNMOUNT_DEADLINE), "exit code\n" + log(fs, 1));
            }
            assertGone(fs, smbd, 1);
            assertTrue(log(fs, 1).contains("smbd stopped"), log(fs, 1));

            // `tgcryptfs unmount` with a client connected: the mount stops its smbd when asked, then unmounts
            mount = launch(fs, smbConf, 2);
            smbd = awaitServing(fs, 2);
            try (Client client = Client.connect(samba, work.resolve("client-2.out"), smbd, fs.root())) {
                ToolResult unmount = fs.cli("unmount", fs.root().toString());
                assertEquals(0, unmount.exitCode(), unmount.describe() + "\n" + log(fs, 2));
                assertTrue(unmount.stdout().contains("stopped the share's smbd"), "the mount was busy until then\n" + unmount.describe());
                assertEquals(0, MountFixture.awaitExit(mount, MountFixture.UNMOUNT_DEADLINE), "exit code\n" + log(fs, 2));
            }
            assertGone(fs, smbd, 2);

            fs.start();
            assertArrayEquals(band, Files.readAllBytes(dir.resolve("Mac.sparsebundle/bands/0")), "the band after a remount");
        }
    }

    @Test
    void mountShare_withoutAShareOfTheMountOrWithItsPortTaken_exits2AndMountsNothing() throws IOException {
        MountFixture.assumeNotBaseline();
        Assumptions.assumeTrue(SambaServer.smbd().isPresent(), "smbd is not installed");
        try (MountFixture fs = new MountFixture()) {
            Path work = fs.workDir();
            ToolResult missing = fs.cli("timemachine", "mount", "--share", "--smb-conf", work.resolve("nope.conf").toString(),
                    fs.root().toString());
            assertEquals(2, missing.exitCode(), missing.describe());
            assertTrue(missing.stderr().contains("timemachine init"), missing.describe());

            Path elsewhere = work.resolve("elsewhere.conf");
            Files.writeString(elsewhere, "[global]\n   workgroup = WORKGROUP\n[other]\n   path = /srv\n");
            ToolResult noShare = fs.cli("timemachine", "mount", "--share", "--smb-conf", elsewhere.toString(), fs.root().toString());
            assertEquals(2, noShare.exitCode(), noShare.describe());
            assertTrue(noShare.stderr().contains("shares no directory of " + fs.root()), noShare.describe());

            SambaServer samba = new SambaServer(Files.createDirectory(work.resolve("samba")));
            Path share = work.resolve("tm.conf");
            fs.cli("timemachine", "share", "--name", "TimeMachine", "--path", fs.root().resolve("tm").toString(),
                    "--user", SambaServer.USER, "--write", share.toString()).assertOk();
            samba.configure(List.of(share));
            try (ServerSocket taken = new ServerSocket(samba.port(), 1, InetAddress.getLoopbackAddress())) {
                ToolResult busy = fs.cli("timemachine", "mount", "--share", "--smb-conf", samba.config().toString(),
                        fs.root().toString());
                assertEquals(2, busy.exitCode(), busy.describe());
                assertTrue(busy.stderr().contains("port " + samba.port() + " is already served"), busy.describe());
            }
            assertFalse(fs.isMounted(), "nothing was mounted");
        }
    }

    private static Process launch(MountFixture fs, Path smbConf, int n) {
        return fs.launchCli("tm-mount-" + n + ".log", "timemachine", "mount", "--share", "--smb-conf", smbConf.toString(),
                fs.root().toString());
    }

    /** Waits for the mount and its smbd; returns smbd's pid. */
    private static int awaitServing(MountFixture fs, int n) {
        MountFixture.await("the mount serving its share", Duration.ofSeconds(60), () -> log(fs, n).contains("serving [TimeMachine]"));
        assertTrue(fs.isMounted(), log(fs, n));
        Matcher m = SMBD_PID.matcher(log(fs, n));
        if (!m.find()) {
            fail("no smbd pid in the log\n" + log(fs, n));
        }
        return Integer.parseInt(m.group(1));
    }

    private static void assertGone(MountFixture fs, int smbd, int n) {
        assertFalse(fs.isMounted(), "unmounted\n" + log(fs, n));
        assertFalse(ProcessHandle.of(smbd).map(ProcessHandle::isAlive).orElse(false), "smbd " + smbd + " is gone\n" + log(fs, n));
        ToolResult left = MountFixture.run(List.of("pgrep", "-f", "configfile=" + fs.workDir().resolve("samba")),
                MountFixture.TOOL_DEADLINE, java.util.Map.of(), fs.workDir());
        assertEquals(1, left.exitCode(), "no smbd of this test is left\n" + left.describe());
    }

    private static String log(MountFixture fs, int n) {
        return SambaServer.read(fs.workDir().resolve("tm-mount-" + n + ".log"));
    }

    /**
     * An interactive smbclient sitting in the bands directory; returns once an smbd serving it holds the
     * mount (smbclient's own output is buffered when not a terminal, so it cannot tell).
     */
    private record Client(Process process) implements AutoCloseable {
        static Client connect(SambaServer samba, Path output, int smbd, Path mount) {
            try {
                Process p = new ProcessBuilder("smbclient", "-p", Integer.toString(samba.port()), "//127.0.0.1/TimeMachine",
                        "-U", SambaServer.USER + "%" + SambaServer.PASSWORD)
                        .redirectErrorStream(true).redirectOutput(output.toFile()).start();
                OutputStream in = p.getOutputStream();
                in.write("cd Mac.sparsebundle\\bands\nls\n".getBytes(StandardCharsets.UTF_8));
                in.flush();
                MountFixture.await("an smbd serving the client from the mount", Duration.ofSeconds(30),
                        () -> ProcessHandle.of(smbd).stream().flatMap(ProcessHandle::descendants)
                                .anyMatch(child -> holdsOpen(child.pid(), mount)));
                return new Client(p);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        /** smbd serves a connection from inside the share: its working directory, or an open file, is on the mount. */
        private static boolean holdsOpen(long pid, Path mount) {
            try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
                return Files.readSymbolicLink(Path.of("/proc/" + pid + "/cwd")).startsWith(mount) || fds.anyMatch(fd -> {
                    try {
                        return Files.readSymbolicLink(fd).startsWith(mount);
                    } catch (IOException e) {
                        return false; // closed meanwhile
                    }
                });
            } catch (IOException e) {
                return false; // exited meanwhile
            }
        }

        @Override
        public void close() {
            process.destroy();
            MountFixture.awaitExit(process, Duration.ofSeconds(10));
        }
    }
}
