package io.tgcryptfs.cli;

import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.backup.RestorePoints;
import io.tgcryptfs.backup.KeptPoint;
import io.tgcryptfs.config.Settings;
import io.tgcryptfs.metrics.Metrics;
import io.tgcryptfs.backend.Sleeper;
import io.tgcryptfs.volume.VolumeException;
import io.tgcryptfs.volume.VolumeRestore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "snapshots", mixinStandardHelpOptions = true,
        description = {"List the restore points the backend keeps (newest last): ID, capture time, files, file data.",
                "Needs only the backend settings and the password; mount one with `mount --snapshot ID`."})
final class SnapshotsCommand implements Callable<Integer> {
    @Mixin
    VolumeOptions options;

    @Override
    public Integer call() throws Exception {
        Settings settings = options.settings();
        try (BlobStore backend = options.backend(settings)) {
            List<KeptPoint> points;
            try {
                points = VolumeRestore.list(settings, backend, options.password(false), new SecureRandom(), Sleeper.REAL,
                        Metrics.NONE);
            } catch (VolumeException e) {
                throw new CliException(e.getMessage());
            }
            if (points.isEmpty()) {
                System.out.println("no restore points yet");
                return 0;
            }
            System.out.printf("%8s  %-20s  %10s  %10s  %12s%n", "ID", "captured (UTC)", "age", "files", "file data");
            long now = System.currentTimeMillis();
            for (KeptPoint p : points) {
                System.out.printf("%8d  %-20s  %10s  %10d  %8.1f MiB%n", p.sequence(),
                        Instant.ofEpochMilli(p.createdMillis()).truncatedTo(ChronoUnit.SECONDS).toString(),
                        RestorePoints.human(Duration.ofMillis(now - p.createdMillis())), p.stats().files(),
                        p.stats().logicalBytes() / 1048576.0);
            }
            return 0;
        }
    }
}
