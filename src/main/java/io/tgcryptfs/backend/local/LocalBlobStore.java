package io.tgcryptfs.backend.local;

import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backend.BlobStore;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * A directory as the backend: objects are files named by their (random) names, written to a temporary
 * name, forced and renamed so a crash never leaves a half object under a real name. Objects are copies,
 * never hard links to the outbox's pack even on the same filesystem: a link would save a second write
 * of every byte, but the backend's object and the local cache would then be one file, and a damaged
 * sector would take both (the cache is re-fetched from the backend when it fails to authenticate).
 */
public final class LocalBlobStore implements BlobStore {
    private static final String ROOT = "root";

    private final Path dir;
    private final Path objects;
    private final long uploadBytesPerSecond;
    /** Fair, so concurrent uploads take turns slice by slice, as TCP connections share a real link. */
    private final java.util.concurrent.locks.ReentrantLock uplink = new java.util.concurrent.locks.ReentrantLock(true);
    private static final long SLICE = 64 * 1024;

    public LocalBlobStore(Path dir) throws IOException {
        this(dir, 0);
    }

    /**
     * @param uploadBytesPerSecond when positive, puts share a simulated uplink of that speed (tests and
     *     benchmarks of a slow backend); 0 stores at disk speed
     */
    public LocalBlobStore(Path dir, long uploadBytesPerSecond) throws IOException {
        this.dir = dir;
        this.objects = dir.resolve("objects");
        this.uploadBytesPerSecond = uploadBytesPerSecond;
        Files.createDirectories(objects);
    }

    @Override
    public String put(String name, Path file) throws BackendException {
        requireSafeName(name);
        Path target = objects.resolve(name);
        Path tmp = objects.resolve(name + ".tmp");
        try {
            throttle(Files.size(file));
            Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
            force(tmp);
            moveAtomically(tmp, target);
            forceDirectory(objects);
            return name;
        } catch (IOException e) {
            throw BackendException.transientFailure("local backend: cannot store " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * The simulated uplink carries one 64 KiB slice at a time; each upload queues fairly for each of its
     * slices, so a small object is not stuck behind whole packs (a real link shares bandwidth likewise).
     */
    private void throttle(long bytes) throws BackendException {
        if (uploadBytesPerSecond <= 0) {
            return;
        }
        for (long left = bytes; left > 0; left -= SLICE) {
            long slice = Math.min(left, SLICE);
            uplink.lock();
            try {
                Thread.sleep(Math.max(1, slice * 1000 / uploadBytesPerSecond)); // the link is busy this long
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw BackendException.transientFailure("local backend: interrupted", e);
            } finally {
                uplink.unlock();
            }
        }
    }

    @Override
    public void get(String ref, Path target) throws BackendException {
        requireSafeName(ref);
        try {
            Files.copy(objects.resolve(ref), target, StandardCopyOption.REPLACE_EXISTING);
        } catch (NoSuchFileException e) {
            throw BackendException.notFound("local backend: no object " + ref);
        } catch (IOException e) {
            throw BackendException.transientFailure("local backend: cannot read " + ref + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void delete(String ref) throws BackendException {
        requireSafeName(ref);
        try {
            Files.deleteIfExists(objects.resolve(ref));
        } catch (IOException e) {
            throw BackendException.transientFailure("local backend: cannot delete " + ref + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<byte[]> getRoot() throws BackendException {
        try {
            Path root = dir.resolve(ROOT);
            return Files.exists(root) ? Optional.of(Files.readAllBytes(root)) : Optional.empty();
        } catch (IOException e) {
            throw BackendException.transientFailure("local backend: cannot read root: " + e.getMessage(), e);
        }
    }

    @Override
    public void putRoot(byte[] root) throws BackendException {
        Path tmp = dir.resolve(ROOT + ".tmp");
        try {
            Files.write(tmp, root);
            force(tmp);
            moveAtomically(tmp, dir.resolve(ROOT));
            forceDirectory(dir);
        } catch (IOException e) {
            throw BackendException.transientFailure("local backend: cannot write root: " + e.getMessage(), e);
        }
    }

    @Override
    public long maxObjectBytes() {
        return Long.MAX_VALUE;
    }

    @Override
    public void close() {
        // nothing held open
    }

    private static void force(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** The rename into place survives a power loss only once the directory is forced too. */
    private static void forceDirectory(Path directory) throws IOException {
        try (FileChannel ch = FileChannel.open(directory, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void requireSafeName(String name) throws BackendException {
        if (name.isEmpty() || name.contains("/") || name.startsWith(".")) {
            throw BackendException.permanent("local backend: invalid object name");
        }
    }
}
