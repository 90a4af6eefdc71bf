package io.tgcryptfs.cli;

import io.tgcryptfs.fs.LocalFiles;
import com.typesafe.config.ConfigValueFactory;
import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.config.Settings;
import io.tgcryptfs.control.ControlServer;
import io.tgcryptfs.fuse.FuseOptions;
import io.tgcryptfs.fuse.LookupWarmup;
import io.tgcryptfs.fuse.TgcryptFuse;
import io.tgcryptfs.metrics.Metrics;
import io.tgcryptfs.backend.Sleeper;
import io.tgcryptfs.volume.Volume;
import io.tgcryptfs.volume.VolumeException;
import sun.misc.Signal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;

/**
 * `mount --snapshot ID`: restores kept restore point ID into its own state directory
 * ({@code <state-dir>/snapshots/ID}, so a writer on this machine is untouched), mounts it read-only,
 * and deletes that directory again at unmount. Nothing is ever published from it.
 */
final class SnapshotMount {
    private SnapshotMount() {
    }

    static int run(Settings settings, BlobStore backend, char[] password, long id, Path target, SecureRandom random,
                   boolean mayAllowOther) throws Exception {
        Path dir = settings.stateDir().resolve("snapshots").resolve(Long.toString(id));
        Settings snapshot = Settings.from(settings.raw().withValue("tgcryptfs.state-dir",
                ConfigValueFactory.fromAnyRef(dir.toString())), System.getenv());
        Volume volume;
        try {
            LocalFiles.deleteTree(dir); // a fresh copy each time: a point is small to restore, and never changes
            RestoreRunner.restorePoint(snapshot, backend, password, random, id, System.out);
            volume = Volume.openSnapshot(snapshot, backend, password, Clock.systemUTC(), System::nanoTime, random,
                    Metrics.NONE, Sleeper.REAL);
        } catch (VolumeException | RuntimeException e) {
            backend.close();
            LocalFiles.deleteTree(dir);
            throw new CliException(e.getMessage() == null ? e.toString() : e.getMessage());
        }
        ControlServer control = ControlServer.start(snapshot.controlSocket(), (request, out) -> {
            if (!request.equals("status")) {
                throw new IllegalArgumentException("a read-only restore point answers only status");
            }
            out.println("read-only restore point #" + id);
            volume.statusLines().forEach(out::println);
        });
        try {
            LookupWarmup.run(volume.gateway(), volume.blockSize(), settings.fuse(), settings.fuse().warmUp(), System::nanoTime);
            TgcryptFuse fuse = new TgcryptFuse(volume.gateway(), Metrics.NONE, volume.blockSize(), settings.fuse(),
                    () -> System.out.println("restore point #" + id + " mounted read-only at " + target));
            Signal.handle(new Signal("TERM"), s -> fuse.umount());
            Signal.handle(new Signal("INT"), s -> fuse.umount());
            fuse.mount(target, true, settings.fuse().debug(), FuseOptions.of(settings.fuse(), mayAllowOther, true));
            System.out.println("unmounted restore point #" + id);
            return 0;
        } finally {
            control.close();
            volume.close();
            LocalFiles.deleteTree(dir);
        }
    }
}
