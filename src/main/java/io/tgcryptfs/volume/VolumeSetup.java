package io.tgcryptfs.volume;

import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.backend.Retry;
import io.tgcryptfs.backend.Sleeper;
import io.tgcryptfs.backup.RootBody;
import io.tgcryptfs.backup.RootRecord;
import io.tgcryptfs.config.Settings;
import io.tgcryptfs.crypto.IntegrityException;
import io.tgcryptfs.crypto.KdfParams;
import io.tgcryptfs.crypto.NewVolume;
import io.tgcryptfs.crypto.VolumeHeader;
import io.tgcryptfs.crypto.VolumeKeys;
import io.tgcryptfs.crypto.WrongPasswordException;
import io.tgcryptfs.metrics.Metrics;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * What happens to a volume that is not mounted: whether one exists (locally, on the backend), creating
 * one (header locally and on the backend), changing its password (rewrapping the master key), and the
 * atomic header write they share. {@link Volume} is the mounted, running one.
 */
public final class VolumeSetup {
    private VolumeSetup() {
    }

    /** Whether a volume exists locally. */
    public static boolean existsLocally(Settings settings) {
        return Files.isRegularFile(settings.headerFile());
    }

    /** Whether the backend holds a volume (a root record). */
    public static boolean existsOnBackend(Settings settings, BlobStore backend) throws VolumeException {
        try {
            return retrying(settings, backend::getRoot).isPresent();
        } catch (BackendException e) {
            throw new VolumeException("cannot reach the backend: " + e.getMessage(), e);
        }
    }

    /**
     * A backend call of setting a volume up, under the metadata calls' retry policy: a dropped connection,
     * a 5xx or a 429 is waited out as the mounted volume would, not reported as the backend being away.
     */
    private static <T> T retrying(Settings settings, Retry.Call<T> call) throws BackendException, VolumeException {
        try {
            return MetadataRetry.policy(settings, Sleeper.REAL, RandomGenerator.getDefault(), Metrics.NONE).call(call);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VolumeException("interrupted while waiting for the backend", e);
        }
    }

    /** Creates a new volume: header locally and on the backend. */
    public static void create(Settings settings, BlobStore backend, char[] password, SecureRandom random) throws VolumeException {
        if (existsLocally(settings)) {
            throw new VolumeException("a volume already exists in " + settings.stateDir());
        }
        if (existsOnBackend(settings, backend)) {
            throw new VolumeException("the backend already holds a volume; mount it with its password to restore it here");
        }
        KdfParams params = new KdfParams(settings.kdfMemoryKiB(), settings.kdfIterations(), settings.kdfParallelism(),
                salt(random));
        NewVolume created;
        try {
            created = VolumeKeys.create(password, settings.blockSize(), params, random);
        } catch (IllegalArgumentException e) {
            throw new VolumeException("cannot create the volume: " + e.getMessage(), e);
        }
        try (VolumeKeys keys = created.keys()) {
            Files.createDirectories(settings.stateDir());
            writeAtomically(settings.headerFile(), created.header().encode());
            byte[] root = RootRecord.seal(created.header().encode(), RootBody.EMPTY, keys.metadataCipher());
            retrying(settings, () -> {
                backend.putRoot(root);
                return null;
            });
        } catch (IOException e) {
            throw new VolumeException("cannot write the volume header: " + e.getMessage(), e);
        } catch (BackendException e) {
            throw new VolumeException("cannot publish the volume header to the backend: " + e.getMessage(), e);
        }
    }

    /**
     * Changes the password of a volume that is not mounted: the master key is rewrapped under the new
     * password (fresh salt, current KDF settings), so no data is re-encrypted. The backend's root record
     * gets the new header first, then the local header; the old password stops working.
     */
    public static void changePassword(Settings settings, BlobStore backend, char[] oldPassword, char[] newPassword,
                                      SecureRandom random) throws VolumeException {
        if (!existsLocally(settings)) {
            throw new VolumeException("no volume in " + settings.stateDir());
        }
        try (FileChannel lockChannel = FileChannel.open(settings.stateDir().resolve("lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = tryLock(lockChannel)) {
            if (lock == null) {
                throw new VolumeException("the volume is mounted; unmount it first");
            }
            VolumeHeader header = VolumeHeader.decode(Files.readAllBytes(settings.headerFile()));
            try (VolumeKeys keys = VolumeKeys.unlock(header, oldPassword, random)) {
                KdfParams params = new KdfParams(settings.kdfMemoryKiB(), settings.kdfIterations(),
                        settings.kdfParallelism(), salt(random));
                VolumeHeader rewrapped = keys.rewrap(header, newPassword, params, random);
                Optional<byte[]> root = retrying(settings, backend::getRoot);
                if (root.isPresent()) {
                    byte[] updated = new RootRecord(rewrapped.encode(), RootRecord.decode(root.get()).sealedBody()).encode();
                    retrying(settings, () -> {
                        backend.putRoot(updated);
                        return null;
                    });
                }
                writeAtomically(settings.headerFile(), rewrapped.encode());
            }
        } catch (WrongPasswordException e) {
            throw new VolumeException("wrong password");
        } catch (IntegrityException e) {
            throw new VolumeException("the volume header is damaged: " + e.getMessage(), e);
        } catch (BackendException e) {
            throw new VolumeException("backend: " + e.getMessage() + " (nothing was changed locally)", e);
        } catch (IOException | IllegalArgumentException e) {
            throw new VolumeException("cannot change the password: " + e.getMessage(), e);
        }
    }

    static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null;
        }
    }

    private static byte[] salt(SecureRandom random) {
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        return salt;
    }

    static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
