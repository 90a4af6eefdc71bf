package io.tgcryptfs.cli;

import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.backup.RestorePoints;
import io.tgcryptfs.backup.RestoreProgress;
import io.tgcryptfs.config.Settings;
import io.tgcryptfs.metrics.Metrics;
import io.tgcryptfs.backend.Sleeper;
import io.tgcryptfs.volume.VolumeException;
import io.tgcryptfs.volume.VolumeRestore;

import java.io.PrintStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/** Runs a restore with a progress line (objects, MiB, ETA) and says which restore point it used and how old it is. */
final class RestoreRunner {
    private RestoreRunner() {
    }

    static void restore(Settings settings, BlobStore backend, char[] password, SecureRandom random, PrintStream out)
            throws VolumeException, InterruptedException {
        out.println("restoring the metadata from the backend into " + settings.stateDir());
        VolumeRestore.Report report = VolumeRestore.run(settings, backend, password, random, Sleeper.REAL, Metrics.NONE,
                bar(out, System.nanoTime()));
        if (report.sequence() == 0) {
            out.println("the backend's volume has no restore point yet: starting empty");
            return;
        }
        String age = report.createdMillis() == 0 ? "of unknown age (published by an older release)"
                : "captured " + Instant.ofEpochMilli(report.createdMillis()) + ", "
                + RestorePoints.human(Duration.ofMillis(System.currentTimeMillis() - report.createdMillis())) + " ago";
        out.printf("restored restore point #%d, %s: %d files, %.1f MiB of file data%s%n", report.sequence(), age,
                report.files(), report.logicalBytes() / 1048576.0,
                report.fallback() ? "\n  NOTE: the newest restore point could not be read; this is the one before it" : "");
    }

    static void restorePoint(Settings settings, BlobStore backend, char[] password, SecureRandom random, long id,
                             PrintStream out) throws VolumeException, InterruptedException {
        out.println("restoring restore point #" + id + " into " + settings.stateDir());
        VolumeRestore.Report report = VolumeRestore.runPoint(settings, backend, password, random, Sleeper.REAL,
                Metrics.NONE, id, bar(out, System.nanoTime()));
        out.printf("restore point #%d, captured %s: %d files, %.1f MiB of file data%n", report.sequence(),
                Instant.ofEpochMilli(report.createdMillis()), report.files(), report.logicalBytes() / 1048576.0);
    }

    private static Consumer<RestoreProgress> bar(PrintStream out, long startNanos) {
        boolean terminal = System.console() != null;
        return p -> {
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            String eta = p.bytesDone() == 0 || p.bytesDone() >= p.bytesTotal() ? ""
                    : ", ETA " + RestorePoints.human(Duration.ofSeconds((long) (seconds * (p.bytesTotal() - p.bytesDone()) / p.bytesDone())));
            String line = String.format("  %d/%d objects, %.1f/%.1f MiB%s", p.objectsDone(), p.objectsTotal(),
                    p.bytesDone() / 1048576.0, p.bytesTotal() / 1048576.0, eta);
            if (terminal) {
                out.print("\r" + line + (p.objectsDone() == p.objectsTotal() ? "\n" : ""));
            } else {
                out.println(line);
            }
            out.flush();
        };
    }
}
