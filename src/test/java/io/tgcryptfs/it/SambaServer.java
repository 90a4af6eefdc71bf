package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Debian's smbd, run as root in the foreground on 127.0.0.1 and a free high port, with every directory
 * it writes (state, locks, passdb, logs) in a private directory: it never touches /etc/samba or the
 * machine's own Samba. Shares come from {@code include}d files, such as {@code timemachine share --write}.
 */
final class SambaServer implements AutoCloseable {
    static final String USER = "nobody";
    static final String PASSWORD = "tm-it-password";
    private static final List<Path> SMBD = List.of(Path.of("/usr/sbin/smbd"), Path.of("/usr/local/samba/sbin/smbd"));

    private final Path dir;
    private final int port;
    private Process smbd;
    private List<Path> shares = List.of();

    SambaServer(Path dir) {
        this.dir = dir;
        this.port = freePort();
    }

    static Optional<Path> smbd() {
        return SMBD.stream().filter(Files::isExecutable).findFirst();
    }

    int port() {
        return port;
    }

    Path config() {
        return dir.resolve("smb.conf");
    }

    Path log() {
        return dir.resolve("log.smbd");
    }

    /** Writes the private smb.conf including {@code shareFiles}, adds the user, starts smbd, waits for its port. */
    SambaServer start(List<Path> shareFiles) {
        configure(shareFiles);
        launch();
        return this;
    }

    /**
     * Writes the private smb.conf including {@code shareFiles} and adds the user, without starting smbd:
     * for {@code timemachine mount --share}, which runs smbd itself with {@link #config()}.
     */
    SambaServer configure(List<Path> shareFiles) {
        shares = List.copyOf(shareFiles);
        try {
            for (String d : List.of("run", "lock", "state", "cache", "private")) {
                Files.createDirectories(dir.resolve(d));
            }
            StringBuilder conf = new StringBuilder("""
                    [global]
                       server role = standalone server
                       workgroup = WORKGROUP
                       netbios name = TGCRYPTFS-IT
                       smb ports = %1$d
                       interfaces = 127.0.0.1
                       bind interfaces only = yes
                       disable netbios = yes
                       pid directory = %2$s/run
                       lock directory = %2$s/lock
                       state directory = %2$s/state
                       cache directory = %2$s/cache
                       private dir = %2$s/private
                       ncalrpc dir = %2$s/run/ncalrpc
                       passdb backend = tdbsam:%2$s/private/passdb.tdb
                       log file = %2$s/log.smbd
                       log level = 1
                       load printers = no
                       printing = bsd
                       printcap name = /dev/null
                       disable spoolss = yes
                    """.formatted(port, dir));
            for (Path share : shareFiles) {
                conf.append("include = ").append(share).append('\n');
            }
            Files.writeString(config(), conf.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        MountFixture.run(List.of("sh", "-c", "printf '%s\\n%s\\n' \"$PW\" \"$PW\" | smbpasswd -c \"$CONF\" -s -a " + USER),
                MountFixture.TOOL_DEADLINE, Map.of("PW", PASSWORD, "CONF", config().toString()), dir).assertOk();
        return this;
    }

    private void launch() {
        try {
            // a session of its own: smbd signals its whole process group when it stops, which must not
            // be the test JVM's (setsid execs smbd in place, so this Process is smbd itself)
            smbd = new ProcessBuilder("setsid", smbd().orElseThrow().toString(), "--foreground", "--no-process-group",
                    "--configfile=" + config())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("smbd.out").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start smbd", e);
        }
        MountFixture.await("smbd listening on 127.0.0.1:" + port, Duration.ofSeconds(30), () -> {
            if (!smbd.isAlive()) {
                fail("smbd exited with " + smbd.exitValue() + "\n" + read(dir.resolve("smbd.out")) + read(log()));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** Starts again with the same shares, after {@link #stop}. */
    SambaServer restart() {
        return start(shares);
    }

    /**
     * {@code smbclient //127.0.0.1/SHARE -c COMMANDS} as the share's user; commands separated by ';'.
     * Fails unless it exits 0 and no command reported an NT_STATUS error (smbclient goes on after one).
     */
    ToolResult smbclient(String share, String commands, Path workingDir) {
        ToolResult r = MountFixture.run(List.of("smbclient", "-p", Integer.toString(port), "//127.0.0.1/" + share,
                        "-U", USER + "%" + PASSWORD, "-c", commands),
                MountFixture.TOOL_DEADLINE, Map.of(), workingDir).assertOk();
        if ((r.stdout() + r.stderr()).contains("NT_STATUS_")) {
            fail("an smbclient command failed\n" + r.describe());
        }
        return r;
    }

    /** Stops smbd and the children serving connections (they hold the shared directories open). */
    void stop() {
        if (smbd == null) {
            return;
        }
        List<ProcessHandle> children = smbd.descendants().toList();
        smbd.destroy();
        children.forEach(ProcessHandle::destroy);
        if (MountFixture.awaitExit(smbd, Duration.ofSeconds(20)) == Integer.MIN_VALUE) {
            smbd.destroyForcibly();
        }
        for (ProcessHandle child : children) {
            try {
                child.onExit().get(20, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                child.destroyForcibly();
            }
        }
        smbd = null;
    }

    @Override
    public void close() {
        stop();
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
