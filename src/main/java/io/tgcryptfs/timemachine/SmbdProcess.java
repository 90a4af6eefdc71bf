package io.tgcryptfs.timemachine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * smbd as a child of the mount process ({@code timemachine mount --share}): started once the mount is
 * up, and stopped, with every smbd serving a connection, before the mount goes. Each connection's smbd
 * keeps its share's directory and the Mac's open bands open, so an unmount with smbd still running
 * finds the mount busy; and an smbd outliving the mount would serve the empty mount point.
 *
 * <p>It runs in the foreground in a session of its own ({@code setsid}): smbd signals its whole process
 * group when it stops, which must not be the mount's, and a Ctrl-C on the terminal reaches the mount
 * only, which then stops smbd first.
 */
public final class SmbdProcess {
    private static final List<Path> LOCATIONS = List.of(Path.of("/usr/sbin/smbd"), Path.of("/usr/local/sbin/smbd"),
            Path.of("/usr/local/samba/sbin/smbd"));
    /** How long smbd and its children get to finish after SIGTERM before SIGKILL. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);

    private final Process smbd;

    private SmbdProcess(Process smbd) {
        this.smbd = smbd;
    }

    public static Optional<Path> find() {
        return LOCATIONS.stream().filter(Files::isExecutable).findFirst();
    }

    /** Starts {@code smbd --foreground} with {@code config}; its messages go to this process's output. */
    public static SmbdProcess start(Path smbd, Path config) throws IOException {
        // stdin from /dev/null, set after inheritIO (which would set it back to the mount's own stdin): an
        // smbd in the foreground whose stdin is a pipe exits when the pipe closes, and a mount started by
        // another program (a test, a supervisor) has its stdin closed when that program stops it, so smbd
        // went away by itself, before the mount could stop it in order
        Process p = new ProcessBuilder("setsid", smbd.toString(), "--foreground", "--no-process-group",
                "--configfile=" + config)
                .inheritIO()
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        return new SmbdProcess(p);
    }

    public long pid() {
        return smbd.pid();
    }

    public boolean isAlive() {
        return smbd.isAlive();
    }

    public int exitValue() {
        return smbd.exitValue();
    }

    /** Runs {@code action} with smbd's exit code when it exits, for whatever reason. */
    public void onExit(java.util.function.IntConsumer action) {
        smbd.onExit().thenAccept(p -> action.accept(p.exitValue()));
    }

    /**
     * Waits until smbd listens on one of {@code ports} (true), or exits (false), or {@code deadline}
     * passes (false). Reads the kernel's socket table, so any address smbd binds counts.
     */
    public boolean awaitListening(List<Integer> ports, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() < end) {
            if (!smbd.isAlive()) {
                return false;
            }
            if (ports.stream().anyMatch(ListeningPorts::isListening)) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    /**
     * SIGTERM to smbd and the smbds serving connections, then waits until all have exited (SIGKILL after
     * {@link #STOP_GRACE}): afterwards no file of the mount is held open by Samba.
     */
    public void stop() {
        List<ProcessHandle> processes = new java.util.ArrayList<>(smbd.descendants().toList());
        processes.add(0, smbd.toHandle());
        processes.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : processes) {
            try {
                p.onExit().get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                p.destroyForcibly();
                p.onExit().join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
    }
}
