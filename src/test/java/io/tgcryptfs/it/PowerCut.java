package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.fail;

import io.tgcryptfs.it.powercut.PowerCutFs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Runs {@link PowerCutFs} as a child JVM (a dead test JVM must not leave a hung file system behind). */
public final class PowerCut implements AutoCloseable {
    private final Path mountpoint;
    private final Process process;
    private final BufferedReader out;
    private final OutputStream in;

    private PowerCut(Path mountpoint, Process process) {
        this.mountpoint = mountpoint;
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = process.getOutputStream();
    }

    /** Mounts a power-cut file system over {@code backing} at {@code mountpoint}; mode {@code drop} or {@code subset}. */
    public static PowerCut mount(Path backing, Path mountpoint, Path log, String mode, long seed, double keep) {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), PowerCutFs.class.getName(),
                backing.toString(), mountpoint.toString(), mode, Long.toString(seed), Double.toString(keep));
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            PowerCut pc = new PowerCut(mountpoint, p);
            String line = pc.out.readLine();
            if (!"mounted".equals(line)) {
                fail("power-cut fs did not start: " + line + " (see " + log + ")");
            }
            MountFixture.await("the power-cut fs at " + mountpoint, Duration.ofSeconds(20),
                    () -> MountInfo.mountPoints().contains(mountpoint));
            return pc;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The power loss: everything not synced is gone (or, in subset mode, partly kept); later operations fail. */
    public String cut() {
        try {
            in.write("cut\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            String line = out.readLine();
            if (line == null || !line.startsWith("cut")) {
                fail("power-cut fs did not confirm the cut: " + line);
            }
            return line;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * After a cut and once nothing uses the mount any more: detaches it and mounts a fresh instance over
     * the backing directory (the disk after the power loss) in the same process.
     */
    public void remount() {
        MountFixture.run(List.of("fusermount", "-u", "-z", mountpoint.toString()), Duration.ofSeconds(20), Map.of(),
                Path.of("/"));
        MountFixture.await("the power-cut fs to detach", Duration.ofSeconds(20),
                () -> !MountInfo.mountPoints().contains(mountpoint));
        try {
            in.write("remount\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            String line = out.readLine();
            if (!"mounted".equals(line)) {
                fail("power-cut fs did not mount again: " + line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        MountFixture.await("the power-cut fs at " + mountpoint, Duration.ofSeconds(20),
                () -> MountInfo.mountPoints().contains(mountpoint));
    }

    /** Kills the file system process and detaches its mount (after a cut: nothing more reaches the backing dir). */
    @Override
    public void close() {
        process.destroyForcibly();
        MountFixture.awaitExit(process, Duration.ofSeconds(30));
        MountFixture.run(List.of("fusermount", "-u", "-z", mountpoint.toString()), Duration.ofSeconds(20), Map.of(),
                Path.of("/"));
        MountFixture.await("the power-cut fs to detach", Duration.ofSeconds(20),
                () -> !MountInfo.mountPoints().contains(mountpoint));
    }
}
