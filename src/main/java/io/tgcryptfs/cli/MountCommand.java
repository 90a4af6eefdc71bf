package io.tgcryptfs.cli;

import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.config.Settings;
import io.tgcryptfs.control.ControlServer;
import io.tgcryptfs.fuse.DeadMount;
import io.tgcryptfs.fuse.FuseOptions;
import io.tgcryptfs.fuse.LookupWarmup;
import io.tgcryptfs.fuse.MountInfo;
import io.tgcryptfs.fuse.TgcryptFuse;
import io.tgcryptfs.metrics.KamonMetrics;
import io.tgcryptfs.metrics.Metrics;
import io.tgcryptfs.backend.Sleeper;
import io.tgcryptfs.pipeline.UploadStatus;
import io.tgcryptfs.volume.Volume;
import io.tgcryptfs.volume.VolumeSetup;
import io.tgcryptfs.volume.VolumeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "mount", mixinStandardHelpOptions = true,
        description = {"Mount the volume at MOUNTPOINT in the foreground until unmounted or sent SIGINT/SIGTERM,",
                "then upload everything and exit. Creates the volume first if there is none."})
final class MountCommand implements Callable<Integer> {
    @Mixin
    VolumeOptions options;

    @Parameters(paramLabel = "MOUNTPOINT", description = "An existing empty directory.")
    Path mountpoint;

    @Option(names = "--snapshot", paramLabel = "ID",
            description = "Mount kept restore point ID (see `tgcryptfs snapshots`) read-only, on this machine or another; "
                    + "the writer's volume and state are not touched.")
    Long snapshot;

    @Override
    public Integer call() throws Exception {
        return mount(MountCompanion.NONE);
    }

    /** Mounts as above, with {@code companion} served while the mount is up (timemachine mount --share). */
    int mount(MountCompanion companion) throws Exception {
        Settings settings = options.settings();
        Path target = mountpoint.toAbsolutePath().normalize();
        if (MountInfo.isMounted(target)) {
            if (!DeadMount.isDead(target)) {
                throw new CliException(target + " is already mounted");
            }
            clearDeadMount(target);
        }
        if (!Files.isDirectory(target)) {
            throw new CliException("mountpoint " + target + " is not a directory");
        }
        if (snapshot == null && !settings.fuse().extraOptions().contains("nonempty") && !isEmpty(target)) {
            // libfuse refuses it too, but only after a fresh volume was created or restored for nothing (a
            // restore point is checked first: it creates nothing)
            throw new CliException("mountpoint " + target + " is not empty: the mount would hide what it holds"
                    + " (fuse.extra-options = [nonempty] mounts over it anyway)");
        }
        BlobStore backend = options.backend(settings);
        SecureRandom random = new SecureRandom();
        if (snapshot != null) {
            return SnapshotMount.run(settings, backend, options.password(false), snapshot, target, random,
                    mayAllowOther(settings));
        }
        Volume volume;
        KamonMetrics kamon = null;
        Metrics metrics = Metrics.NONE;
        try {
            boolean fresh = !VolumeSetup.existsLocally(settings) && !VolumeSetup.existsOnBackend(settings, backend);
            char[] password = options.password(fresh);
            if (fresh) {
                VolumeSetup.create(settings, backend, password, random);
                System.out.println("created a new volume in " + settings.stateDir());
            } else if (!VolumeSetup.existsLocally(settings)) {
                RestoreRunner.restore(settings, backend, password, random, System.out);
            }
            // a taken port (a second mount, another program) costs the metrics, not the mount; the warning
            // waits for the volume to open, so a mount refused (a wrong password, a volume mounted
            // elsewhere: which is what holds the port, often) says only why
            List<String> metricsWarnings = new ArrayList<>();
            if (settings.metricsEnabled()) {
                kamon = KamonMetrics.startOrWarn(settings.raw(), settings.metricsPort(), metricsWarnings::add).orElse(null);
                metrics = kamon == null ? Metrics.NONE : kamon;
            }
            volume = Volume.open(settings, backend, password, Clock.systemUTC(), System::nanoTime, random,
                    metrics, Sleeper.REAL);
            metricsWarnings.forEach(w -> System.err.println("tgcryptfs: " + w));
        } catch (VolumeException | InterruptedException | RuntimeException e) {
            backend.close();
            if (kamon != null) {
                kamon.stop();
            }
            if (e instanceof CliException cli) {
                throw cli;
            }
            throw new CliException(e.getMessage() == null ? e.toString() : e.getMessage());
        }
        ControlServer control = ControlServer.start(settings.controlSocket(), (request, out) -> {
            String verb = request.split(" ", 2)[0];
            String argument = request.substring(verb.length()).strip();
            switch (verb) {
                case "status" -> volume.statusLines().forEach(out::println);
                case "sync" -> volume.syncToBackend(s -> out.println(SyncCommand.progressLine(s)));
                case "sync-replace-newer-root" -> volume.syncReplacingNewerRoot(s -> out.println(SyncCommand.progressLine(s)));
                case "gc" -> volume.gc(out::println);
                case "verify", "verify-local" -> {
                    if (volume.verify(request.equals("verify"), out::println) > 0) {
                        throw new IllegalStateException("some chunks are damaged (see above)");
                    }
                }
                case UsageRequest.VERB -> UsageRequest.answer(volume, target, argument, out);
                case "stop-share" -> {
                    // `tgcryptfs unmount` found the mount busy: a share's smbd holds it until it stops
                    if (!Path.of(argument).equals(target)) {
                        throw new IllegalArgumentException("this volume is mounted at " + target + ", not " + argument);
                    }
                    if (!companion.stop()) {
                        throw new IllegalStateException("this mount serves no share");
                    }
                }
                default -> throw new IllegalArgumentException("unknown request '" + request + "'");
            }
        });
        try {
            LookupWarmup.run(volume.gateway(), volume.blockSize(), settings.fuse(), settings.fuse().warmUp(), System::nanoTime);
            TgcryptFuse fuse = new TgcryptFuse(volume.gateway(), metrics, volume.blockSize(), settings.fuse(),
                    () -> {
                        System.out.println("mounted at " + target + " (state in " + settings.stateDir() + ")");
                        companion.mounted();
                    });
            Signal.handle(new Signal("TERM"), s -> stop(companion, fuse));
            Signal.handle(new Signal("INT"), s -> stop(companion, fuse));
            fuse.mount(target, true, settings.fuse().debug(), FuseOptions.of(settings.fuse(), mayAllowOther(settings)));
            companion.stop(); // unmounted from outside: nothing may serve the empty mount point meanwhile
            System.out.println("unmounted; uploading what is left to the backend");
            volume.syncToBackend(MountCommand::progress);
            System.out.println("everything is on the backend");
            return 0;
        } finally {
            companion.stop();
            control.close();
            volume.close();
            if (kamon != null) {
                kamon.stop();
            }
        }
    }

    /** What serves files of the mount stops first: while it holds them open, the mount is busy. */
    private static void stop(MountCompanion companion, TgcryptFuse fuse) {
        companion.stop();
        fuse.umount();
    }

    static boolean mayAllowOther(Settings settings) {
        if (!settings.fuse().allowOther() || "root".equals(System.getProperty("user.name"))) {
            return true;
        }
        try {
            boolean allowed = Files.readAllLines(Path.of("/etc/fuse.conf")).stream()
                    .map(String::strip).anyMatch("user_allow_other"::equals);
            if (!allowed) {
                System.err.println("tgcryptfs: not root and /etc/fuse.conf lacks user_allow_other: mounting for this user only");
            }
            return allowed;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static void progress(UploadStatus s) {
        if (s.pendingPacks() > 0) {
            System.out.printf("  %d packs (%d MiB) left to upload%s%n", s.pendingPacks(), s.pendingBytes() >> 20,
                    s.blockedReason() == null ? "" : " - blocked: " + s.blockedReason());
        }
    }

    /**
     * Unmounts what a file system that stopped left at {@code target} (it answers "Transport endpoint is
     * not connected"), which the user would otherwise have to find and unmount by hand after a crash.
     */
    private static void clearDeadMount(Path target) throws InterruptedException {
        for (List<String> command : List.of(List.of("fusermount", "-u", "-z", target.toString()),
                List.of("umount", "-l", target.toString()))) {
            try {
                if (new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start().waitFor() == 0) {
                    System.out.println("unmounted what a stopped mount left at " + target + " (its file system no longer answered)");
                    return;
                }
            } catch (IOException e) {
                // not installed: try the next one
            }
        }
        throw new CliException(target + " is a mount whose file system stopped (Transport endpoint is not connected), and "
                + "it could not be unmounted: run `fusermount -u " + target + "` (or `umount -l` as root), then mount again");
    }

    /** Whether {@code dir} holds nothing; a directory this process cannot list is left to libfuse to judge. */
    private static boolean isEmpty(Path dir) {
        try (var entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            return true;
        }
    }
}
