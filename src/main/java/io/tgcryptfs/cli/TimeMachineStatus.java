package io.tgcryptfs.cli;

import io.tgcryptfs.config.Settings;
import io.tgcryptfs.control.ControlClient;
import io.tgcryptfs.timemachine.Coverage;
import io.tgcryptfs.timemachine.LatestBackup;
import io.tgcryptfs.timemachine.SparseBundle;
import io.tgcryptfs.volume.StoredUsage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show each sparse bundle's size, bands, stored and not yet uploaded bytes, last band write and "
                + "latest backup, and whether the newest restore point on the backend covers the last write. PATH is a "
                + "bundle, or a directory holding bundles (such as the share's); the volume's own numbers follow.")
final class TimeMachineStatus implements Callable<Integer> {
    private static final String SUFFIX = ".sparsebundle";

    @Mixin
    VolumeOptions options;

    @Parameters(paramLabel = "PATH", description = "A .sparsebundle directory, or the share's directory holding them.")
    Path path;

    @Override
    public Integer call() {
        Settings settings = options.settings();
        List<Path> bundles = bundles();
        List<String> volume = new ArrayList<>();
        String unmounted = null;
        try {
            String error = ControlClient.request(settings.controlSocket(), "status", volume::add);
            if (error != null) {
                unmounted = error;
            }
        } catch (IOException e) {
            unmounted = "not mounted with these settings";
        }
        for (Path bundle : bundles) {
            bundle(bundle, settings, volume, unmounted);
            System.out.println();
        }
        if (unmounted != null) {
            System.out.println("volume: " + unmounted + " (no stored/pending numbers)");
        } else {
            volume.forEach(line -> System.out.println("volume " + line));
        }
        return 0;
    }

    private List<Path> bundles() {
        if (path.getFileName() != null && path.getFileName().toString().endsWith(SUFFIX)) {
            return List.of(path);
        }
        if (!Files.isDirectory(path)) {
            throw new CliException("no such directory: " + path);
        }
        try (Stream<Path> entries = Files.list(path)) {
            List<Path> found = entries.filter(p -> p.getFileName().toString().endsWith(SUFFIX) && Files.isDirectory(p))
                    .sorted().toList();
            if (found.isEmpty()) {
                throw new CliException("no *" + SUFFIX + " in " + path);
            }
            return found;
        } catch (IOException e) {
            throw new CliException("cannot list " + path + ": " + e.getMessage());
        }
    }

    private static void bundle(Path bundle, Settings settings, List<String> volume, String unmounted) {
        SparseBundle.Summary s;
        Optional<Instant> backup;
        try {
            s = SparseBundle.at(bundle).summary();
            backup = LatestBackup.of(bundle);
        } catch (IOException e) {
            throw new CliException("cannot read " + bundle + ": " + e.getMessage());
        }
        System.out.printf("bundle: %s%n", bundle.toAbsolutePath().normalize());
        System.out.printf("size: %.1f GiB, band size %d MiB%n", s.sizeBytes() / 1073741824.0, s.bandSize() >> 20);
        System.out.printf("bands: %d, %.1f MiB written%n", s.bands(), s.bandBytes() / 1048576.0);
        if (unmounted == null) {
            System.out.println("stored: " + stored(settings, bundle));
        }
        System.out.println("last band write: " + s.lastActivity().map(Object::toString).orElse("never"));
        System.out.println("latest backup: " + backup.map(d -> d + " (Time Machine's snapshot history)")
                .orElse("unknown (no Time Machine snapshot history in the bundle)"));
        if (unmounted == null) {
            s.lastChange().ifPresent(last -> System.out.println("on the backend: " + Coverage.verdict(
                    last.toInstant(), volume, Instant.now())));
        }
    }

    private static String stored(Settings settings, Path bundle) {
        try {
            StoredUsage u = UsageRequest.ask(settings.controlSocket(), bundle);
            return String.format("%.1f MiB encrypted for %.1f MiB of band data; %.1f MiB of it not yet uploaded",
                    u.storedBytes() / 1048576.0, u.plainBytes() / 1048576.0, u.pendingBytes() / 1048576.0);
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }
}
