package io.tgcryptfs.cli;

import io.tgcryptfs.timemachine.ServedShares;
import io.tgcryptfs.timemachine.SmbdProcess;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;

/**
 * The smbd of {@code timemachine mount --share}: started once the mount is up, stopped before it goes.
 * If smbd fails after the mount is up, the mount stays (the data is safe) and says so loudly: everything
 * checkable before mounting was checked by {@link TimeMachineMount}.
 */
final class ShareCompanion implements MountCompanion {
    /** How long smbd may take to listen after it starts. */
    private static final Duration STARTUP = Duration.ofSeconds(30);

    private final Path smbd;
    private final Path config;
    private final ServedShares served;
    private final Path mountpoint;
    private SmbdProcess process;
    private boolean stopped;

    ShareCompanion(Path smbd, Path config, ServedShares served, Path mountpoint) {
        this.smbd = smbd;
        this.config = config;
        this.served = served;
        this.mountpoint = mountpoint;
    }

    @Override
    public void mounted() {
        Thread starter = new Thread(this::serve, "tgcryptfs-smbd");
        starter.setDaemon(true);
        starter.start();
    }

    private void serve() {
        SmbdProcess started;
        synchronized (this) {
            if (stopped) {
                return;
            }
            try {
                process = SmbdProcess.start(smbd, config);
            } catch (IOException e) {
                System.err.println("tgcryptfs: cannot start smbd: " + e.getMessage() + "; the share is not served, the mount stays up");
                return;
            }
            started = process;
            started.onExit(this::exited);
        }
        try {
            boolean listening = started.awaitListening(served.ports(), STARTUP);
            synchronized (this) {
                if (stopped) {
                    return;
                }
            }
            if (listening) {
                System.out.println("serving " + served.under(mountpoint).stream()
                        .map(s -> "[" + s.name() + "] (" + s.path() + ")").collect(Collectors.joining(", "))
                        + " with smbd (pid " + started.pid() + ", " + config + ", port "
                        + served.ports().stream().map(String::valueOf).collect(Collectors.joining(" ")) + ")");
            } else if (started.isAlive()) { // an smbd that exited is reported by exited()
                System.err.println("tgcryptfs: smbd does not listen after " + STARTUP.toSeconds() + " s (see its log file);"
                        + " the mount stays up");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void exited(int code) {
        if (!stopped) {
            System.err.println("tgcryptfs: smbd exited with code " + code + ": the share is no longer served;"
                    + " the mount stays up (restart it to serve again)");
        }
    }

    /** Synchronized throughout: a second caller (signal, unmount, the mount's end) returns only once smbd is gone. */
    @Override
    public synchronized boolean stop() {
        if (stopped) {
            return false;
        }
        stopped = true;
        if (process == null) {
            return false;
        }
        boolean running = process.isAlive();
        if (running) {
            System.out.println("stopping smbd (pid " + process.pid() + ") before unmounting");
        }
        process.stop(); // also the smbds serving connections, which may outlive their parent
        if (running) {
            System.out.println("smbd stopped");
        }
        return true;
    }
}
