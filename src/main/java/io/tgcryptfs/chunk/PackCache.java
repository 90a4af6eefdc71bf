package io.tgcryptfs.chunk;

import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.LocalFiles;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.PackRecord;
import io.tgcryptfs.meta.PackState;
import io.tgcryptfs.metrics.Metrics;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.channels.ClosedChannelException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * Finds a pack's bytes on local disk: in the outbox while it waits for upload, else in the cache
 * directory, else downloads it from the backend (bounded concurrency, one download per pack however
 * many readers want it). The cache is an LRU bounded in bytes ({@link PackLru}); it only ever holds
 * uploaded packs, so eviction never loses data. A pack is pinned while a read of it runs (found or
 * downloaded, opened, read): evicting packs being read made concurrent readers of a small cache take
 * each other's packs away again and again until a read of data safe on the backend failed.
 */
public final class PackCache {
    private final Path outboxDir;
    private final Path cacheDir;
    private final MetaStore meta;
    private final BlobStore backend;
    private final Semaphore downloads;
    private final Metrics metrics;
    private final PackLru lru;
    private final ConcurrentHashMap<PackId, CompletableFuture<Path>> inFlight = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong downloadedBytes = new java.util.concurrent.atomic.AtomicLong();

    private final io.tgcryptfs.backend.Retry retry;
    private final OpenPacks files = new OpenPacks();
    /** Tries of one read whose pack file vanished (evicted, moved) under it. */
    private static final int READ_ATTEMPTS = 8;

    public PackCache(Path outboxDir, Path cacheDir, MetaStore meta, BlobStore backend, long maxBytes,
                     int downloadConcurrency, Metrics metrics, io.tgcryptfs.backend.Retry retry) throws IOException {
        this.retry = retry;
        this.outboxDir = outboxDir;
        this.cacheDir = cacheDir;
        this.meta = meta;
        this.backend = backend;
        this.lru = new PackLru(maxBytes);
        this.downloads = new Semaphore(downloadConcurrency);
        this.metrics = metrics;
        Files.createDirectories(cacheDir);
        scan();
    }

    /** Reads {@code length} bytes at {@code offset} of the pack. */
    public byte[] read(PackId pack, long offset, int length) {
        byte[] out = new byte[length];
        lru.pin(pack);
        try {
            readPinned(pack, offset, out);
            return out;
        } finally {
            if (lru.unpin(pack)) {
                evict(); // what the pin kept past the bound goes now
            }
        }
    }

    private void readPinned(PackId pack, long offset, byte[] out) {
        for (int attempt = 1; ; attempt++) {
            try {
                PackFile file = files.acquire(pack, () -> FileChannel.open(locate(pack), StandardOpenOption.READ));
                try {
                    file.read(out, offset);
                } finally {
                    file.release();
                }
                return;
            } catch (ShortCopy e) {
                boolean inOutbox = Files.exists(outboxDir.resolve(PackFormat.fileName(pack)));
                if (inOutbox || attempt == READ_ATTEMPTS) {
                    throw new FsException(FsError.INTEGRITY, "pack " + pack + " is truncated: " + e.getMessage()
                            + (inOutbox ? " (in the outbox)" : " (a cached copy, tried " + attempt + " times)"));
                }
                // a cached copy is only a copy: one cut short (a power loss took its unsynced tail, or the
                // disk lost it) is downloaded again
                discard(pack);
            } catch (NoSuchFileException | ClosedChannelException e) {
                // its channel closed under us (a reader interrupted in a read closes it for all), or the
                // file moved from the outbox into the cache between locate and open: again
                files.forget(pack);
                if (attempt == READ_ATTEMPTS) {
                    throw new FsException(FsError.IO, "cannot read pack " + pack + ": " + e, e);
                }
            } catch (IOException e) {
                throw new FsException(FsError.IO, "cannot read pack " + pack + ": " + e.getMessage(), e);
            }
        }
    }

    /** The pack file ends before the bytes a chunk record points at. */
    static final class ShortCopy extends IOException {
        ShortCopy(long fileBytes, long chunkEnd) {
            super("its file holds " + fileBytes + " bytes, a chunk ends at " + chunkEnd);
        }
    }

    /**
     * Starts fetching {@code pack} in the background unless it is local or already on its way, so a
     * sequential reader finds the next pack waiting instead of stalling on it.
     */
    public void prefetch(PackId pack, java.util.concurrent.Executor executor) {
        if (isLocal(pack) || inFlight.containsKey(pack)) {
            return;
        }
        executor.execute(() -> {
            try {
                locate(pack);
            } catch (RuntimeException e) {
                // the reader that needs it will try again and report the error
            }
        });
    }

    private boolean isLocal(PackId pack) {
        if (Files.exists(outboxDir.resolve(PackFormat.fileName(pack)))) {
            return true;
        }
        return lru.contains(pack);
    }

    /** Drops a cached copy that failed verification, so the next read downloads it again. */
    public void discard(PackId pack) {
        lru.remove(pack);
        try {
            deleteCopy(pack);
        } catch (IOException ignored) {
            // a later eviction retries
        }
    }

    /** The pipeline moves a confirmed pack from the outbox into the cache. */
    public void adoptUploaded(PackId pack) throws IOException {
        Path from = outboxDir.resolve(PackFormat.fileName(pack));
        Path to = cacheDir.resolve(PackFormat.fileName(pack));
        if (!Files.exists(from)) {
            return;
        }
        long size = Files.size(from);
        move(from, to);
        lru.add(pack, size);
        evict();
    }

    /** Deletes every cached pack (all of them are on the backend). Returns the bytes freed. */
    public long clear() throws IOException {
        IOException[] failed = {null};
        long freed = lru.clear(pack -> {
            try {
                deleteCopy(pack);
            } catch (IOException e) {
                failed[0] = e;
            }
        });
        if (failed[0] != null) {
            throw failed[0];
        }
        return freed;
    }

    /** Closes the open pack files and their mappings (the volume is closing). */
    public void close() {
        files.closeAll();
    }

    public long downloadedBytes() {
        return downloadedBytes.get();
    }

    public long cachedBytes() {
        return lru.bytes();
    }

    private Path locate(PackId pack) {
        Path inOutbox = outboxDir.resolve(PackFormat.fileName(pack));
        if (Files.exists(inOutbox)) {
            return inOutbox;
        }
        Path inCache = cacheDir.resolve(PackFormat.fileName(pack));
        if (lru.touch(pack) && Files.exists(inCache)) {
            return inCache;
        }
        if (Files.exists(inCache)) {
            return inCache; // uploaded and moved from the outbox while we looked
        }
        CompletableFuture<Path> mine = new CompletableFuture<>();
        CompletableFuture<Path> running = inFlight.putIfAbsent(pack, mine);
        if (running != null) {
            return join(running);
        }
        // out of the map before it completes: a finished download's path may name a file evicted since
        // (an unpinned prefetch can evict what it just fetched), and a later reader must fetch it again
        // rather than open that path (it did, eight times in a row, and failed a read of safe data)
        try {
            Path path = download(pack, inCache);
            inFlight.remove(pack, mine);
            mine.complete(path);
        } catch (RuntimeException e) {
            inFlight.remove(pack, mine);
            mine.completeExceptionally(e);
        }
        return join(mine);
    }

    private Path download(PackId pack, Path target) {
        PackRecord record = meta.read(r -> r.pack(pack))
                .orElseThrow(() -> new FsException(FsError.INTEGRITY, "no record of pack " + pack));
        if (record.state() != PackState.UPLOADED || record.remoteRef() == null) {
            throw new FsException(FsError.IO, "pack " + pack + " is neither local nor uploaded");
        }
        Path tmp = cacheDir.resolve(PackFormat.fileName(pack) + ".part");
        downloads.acquireUninterruptibly();
        try {
            getWithRetries(record.remoteRef(), tmp);
            verifyMagic(pack, tmp);
            long size = Files.size(tmp);
            // durable before its name is: a power loss must not leave a cached copy cut short behind a
            // rename that the next fsync of any file commits (ext4's auto_da_alloc writes the data first
            // only when a rename replaces a file, and this name is new)
            LocalFiles.forceFile(tmp);
            move(tmp, target);
            metrics.downloaded(size);
            downloadedBytes.addAndGet(size);
            lru.add(pack, size);
        } catch (BackendException e) {
            throw new FsException(FsError.IO, "cannot download pack " + pack + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new FsException(FsError.IO, "cannot store downloaded pack " + pack + ": " + e.getMessage(), e);
        } finally {
            downloads.release();
        }
        evict();
        return target;
    }

    private void getWithRetries(String ref, Path target) throws BackendException {
        try {
            retry.call(() -> {
                backend.get(ref, target);
                return null;
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw BackendException.transientFailure("interrupted while waiting to retry a download", e);
        }
    }

    private static void verifyMagic(PackId pack, Path file) throws IOException {
        byte[] head = new byte[PackFormat.MAGIC.length];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.wrap(head);
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // fill
            }
        }
        if (!Arrays.equals(head, PackFormat.MAGIC)) {
            Files.deleteIfExists(file);
            throw new FsException(FsError.INTEGRITY, "downloaded pack " + pack + " is not a pack");
        }
    }

    private void evict() {
        lru.evict(pack -> {
            try {
                deleteCopy(pack);
            } catch (IOException ignored) {
                // stays on disk until the next scan; counted out already
            }
        });
    }

    /** Closes the pack's open file, then deletes its cached copy. */
    private void deleteCopy(PackId pack) throws IOException {
        files.forget(pack);
        Files.deleteIfExists(cacheDir.resolve(PackFormat.fileName(pack)));
    }

    private void scan() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(cacheDir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.endsWith(".part")) {
                    Files.deleteIfExists(f);
                } else if (name.endsWith(".pack")) {
                    long size = Files.size(f);
                    lru.add(PackId.parse(name.substring(0, name.length() - 5)), size);
                }
            }
        }
    }

    private static Path join(CompletableFuture<Path> f) {
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
