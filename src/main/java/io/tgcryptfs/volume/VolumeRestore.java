package io.tgcryptfs.volume;

import io.tgcryptfs.fs.LocalFiles;
import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.backup.KeptPoint;
import io.tgcryptfs.backup.Manifest;
import io.tgcryptfs.backup.MetadataRestore;
import io.tgcryptfs.backup.RestoreProgress;
import io.tgcryptfs.backup.RootBody;
import io.tgcryptfs.backup.RootRecord;
import io.tgcryptfs.config.Settings;
import io.tgcryptfs.crypto.IntegrityException;
import io.tgcryptfs.crypto.VolumeHeader;
import io.tgcryptfs.crypto.VolumeKeys;
import io.tgcryptfs.crypto.WrongPasswordException;
import io.tgcryptfs.meta.lmdb.LmdbMetaStore;
import io.tgcryptfs.metrics.Metrics;
import io.tgcryptfs.backend.Retry;
import io.tgcryptfs.backend.Sleeper;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A new machine: the volume header comes from the backend's root record, the password unlocks it, the
 * newest restore point's metadata is applied to an empty state directory, and the header is written
 * last, so a restore that stops part way is resumed (never mistaken for a volume) by the next run.
 */
public final class VolumeRestore {
    private VolumeRestore() {
    }

    /** Which restore point was restored and what it holds. */
    public record Report(long sequence, long createdMillis, boolean fallback, long files, long logicalBytes,
                         int objects, long bytes) {
    }

    public static Report run(Settings settings, BlobStore backend, char[] password, SecureRandom random, Sleeper sleeper,
                             Metrics metrics, Consumer<RestoreProgress> progress) throws VolumeException, InterruptedException {
        return restore(settings, backend, password, random, sleeper, metrics, (restore, body, header) ->
                body.legacy() ? legacy(settings, restore, body) : incremental(settings, restore, body, progress));
    }

    /**
     * Restores kept restore point {@code sequence} into {@code settings}' (empty) state directory, for a
     * read-only mount ({@link Volume#openSnapshot}).
     */
    public static Report runPoint(Settings settings, BlobStore backend, char[] password, SecureRandom random,
                                  Sleeper sleeper, Metrics metrics, long sequence, Consumer<RestoreProgress> progress)
            throws VolumeException, InterruptedException {
        return restore(settings, backend, password, random, sleeper, metrics, (restore, body, header) -> {
            if (body.legacy() || !body.latest().exists()) {
                throw new VolumeException("the backend keeps no restore points to choose from yet");
            }
            Manifest newest = restore.newestManifest(body);
            KeptPoint point = kept(body, newest).stream().filter(k -> k.sequence() == sequence).findFirst()
                    .orElseThrow(() -> new VolumeException("no restore point #" + sequence + " is kept; `tgcryptfs snapshots` lists them"));
            try (LmdbMetaStore meta = LmdbMetaStore.open(settings.metaDir(), settings.metadataMapSize())) {
                MetadataRestore.Restored r = restore.restorePoint(point.pointRef(), body, meta, progress);
                return report(r);
            }
        });
    }

    /** The restore points the backend keeps, oldest first (the newest one's manifest lists them). */
    public static List<KeptPoint> list(Settings settings, BlobStore backend, char[] password, SecureRandom random,
                                       Sleeper sleeper, Metrics metrics) throws VolumeException, InterruptedException {
        Retry retry = MetadataRetry.policy(settings, sleeper, random, metrics);
        try {
            Optional<byte[]> root = retry.call(backend::getRoot);
            if (root.isEmpty()) {
                throw new VolumeException("the backend holds no volume yet");
            }
            try (VolumeKeys keys = VolumeKeys.unlock(decodeHeader(root.get()), password, random)) {
                RootBody body = RootRecord.readBody(root, keys.metadataCipher()).orElseThrow();
                if (body.legacy() || !body.latest().exists()) {
                    return List.of();
                }
                MetadataRestore restore = new MetadataRestore(backend, keys.metadataCipher(), Files.createTempDirectory("tgcryptfs-list"), retry);
                return kept(body, restore.newestManifest(body));
            }
        } catch (WrongPasswordException e) {
            throw new VolumeException("wrong password");
        } catch (IntegrityException e) {
            throw new VolumeException("the backend's metadata does not authenticate: " + e.getMessage(), e);
        } catch (BackendException | IOException e) {
            throw new VolumeException("backend: " + e.getMessage(), e);
        }
    }

    private static List<KeptPoint> kept(RootBody body, Manifest newest) {
        List<KeptPoint> all = new java.util.ArrayList<>(newest.earlier());
        all.add(new KeptPoint(newest.sequence(), newest.createdMillis(), newest.checkpointSequence(), newest.stats(),
                body.latest().name(), body.latest().ref()));
        return all;
    }

    /** What a restore does once the header is unlocked and the root read. */
    @FunctionalInterface
    private interface Step {
        Report run(MetadataRestore restore, RootBody body, VolumeHeader header)
                throws IOException, BackendException, IntegrityException, InterruptedException, VolumeException;
    }

    private static Report restore(Settings settings, BlobStore backend, char[] password, SecureRandom random,
                                  Sleeper sleeper, Metrics metrics, Step step) throws VolumeException, InterruptedException {
        Retry retry = MetadataRetry.policy(settings, sleeper, random, metrics);
        if (VolumeSetup.existsLocally(settings)) {
            throw new VolumeException("a volume already exists in " + settings.stateDir() + "; restore needs an empty state directory");
        }
        try {
            Files.createDirectories(settings.stateDir());
        } catch (IOException e) {
            throw new VolumeException("cannot create " + settings.stateDir() + ": " + e.getMessage(), e);
        }
        try (FileChannel lockChannel = FileChannel.open(settings.stateDir().resolve("lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = lockChannel.tryLock()) {
            if (lock == null) {
                throw new VolumeException("another process is restoring or mounting " + settings.stateDir());
            }
            Optional<byte[]> root = retry.call(backend::getRoot);
            if (root.isEmpty()) {
                throw new VolumeException("the backend holds no volume yet: run `tgcryptfs init` (or mount, which creates one)");
            }
            VolumeHeader header = decodeHeader(root.get());
            try (VolumeKeys keys = VolumeKeys.unlock(header, password, random)) {
                MetadataRestore restore = new MetadataRestore(backend, keys.metadataCipher(), settings.stateDir(), retry);
                RootBody body = RootRecord.readBody(root, keys.metadataCipher()).orElseThrow();
                Report report = step.run(restore, body, header);
                VolumeSetup.writeAtomically(settings.headerFile(), header.encode());
                return report;
            }
        } catch (WrongPasswordException e) {
            throw new VolumeException("wrong password");
        } catch (IntegrityException e) {
            throw new VolumeException("the backend's metadata does not authenticate: " + e.getMessage(), e);
        } catch (BackendException e) {
            throw new VolumeException("backend: " + e.getMessage() + " (run restore again to resume)", e);
        } catch (IOException | RuntimeException e) {
            throw new VolumeException("cannot restore: " + e.getMessage() + " (run restore again to resume)", e);
        }
    }

    private static Report report(MetadataRestore.Restored r) {
        return new Report(r.point().sequence(), r.manifest().createdMillis(), r.fallback(), r.manifest().stats().files(),
                r.manifest().stats().logicalBytes(), r.manifest().segments().size() + 1, r.manifest().segmentBytes());
    }

    private static Report incremental(Settings settings, MetadataRestore restore, RootBody body,
                                      Consumer<RestoreProgress> progress)
            throws IOException, BackendException, IntegrityException, InterruptedException {
        if (!body.latest().exists()) {
            return new Report(0, 0, false, 0, 0, 0, 0); // a volume nothing was published for yet
        }
        boolean stale;
        try (LmdbMetaStore earlier = LmdbMetaStore.open(settings.metaDir(), settings.metadataMapSize())) {
            stale = !MetadataRestore.resumable(earlier, body) && !isEmpty(earlier);
        }
        if (stale) {
            LocalFiles.deleteTree(settings.metaDir()); // an interrupted restore of a point the backend has since replaced
        }
        try (LmdbMetaStore meta = LmdbMetaStore.open(settings.metaDir(), settings.metadataMapSize())) {
            return report(restore.restore(body, meta, progress));
        }
    }

    private static Report legacy(Settings settings, MetadataRestore restore, RootBody body)
            throws IOException, BackendException, IntegrityException, InterruptedException {
        if (!body.latest().exists()) {
            return new Report(0, 0, false, 0, 0, 0, 0);
        }
        LocalFiles.deleteTree(settings.metaDir());
        RootBody.PointRef point = restore.restoreLegacy(body, settings.metaDir());
        try (LmdbMetaStore meta = LmdbMetaStore.open(settings.metaDir(), settings.metadataMapSize())) {
            MetadataRestore.adoptLegacy(meta, point);
        }
        return new Report(point.sequence(), 0, point != body.latest(), 0, 0, 1, 0);
    }

    private static boolean isEmpty(LmdbMetaStore meta) {
        return meta.read(r -> r.inode(1).isEmpty());
    }

    private static VolumeHeader decodeHeader(byte[] root) throws VolumeException, IntegrityException {
        try {
            return VolumeHeader.decode(RootRecord.decode(root).header());
        } catch (IllegalArgumentException e) {
            throw new VolumeException("the backend's root record is damaged: " + e.getMessage(), e);
        }
    }
}
