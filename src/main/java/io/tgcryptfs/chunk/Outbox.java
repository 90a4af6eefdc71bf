package io.tgcryptfs.chunk;

import io.tgcryptfs.crypto.KeySlot;
import io.tgcryptfs.crypto.MetadataCipher;
import io.tgcryptfs.fs.ChunkId;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.meta.ChunkRecord;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.PackRecord;
import io.tgcryptfs.meta.PackState;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The open pack and the packs waiting for upload. Sealed chunks are appended to the open pack; when it
 * reaches the target size it is closed (index appended), marked SEALED in LMDB and handed to the
 * upload pipeline. Nothing here deletes a pack: the pipeline moves it to the cache once the backend has
 * confirmed it. When waiting packs exceed the outbox limit, appends wait (backpressure).
 */
public final class Outbox {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Outbox.class);
    private final Path dir;
    private final MetaStore meta;
    private final MetadataCipher metadataCipher;
    private final RandomGenerator random;
    private final long targetSize;
    private final long maxBytes;
    private PackSealedListener listener = pack -> { };

    private final Object lock = new Object();
    private PackId openPack;
    private FileChannel openChannel;
    private long openSize;
    private long forcedSize; // openSize at the last force of the open pack
    private long openTarget;
    private long openCounter;
    private final List<PackFormat.IndexEntry> openIndex = new ArrayList<>();
    private long waitingBytes;
    /** Packs waiting for upload, oldest first, with the time their file was last written (sealed). */
    private final Map<PackId, Instant> waitingPacks = new LinkedHashMap<>();

    public Outbox(Path dir, MetaStore meta, MetadataCipher metadataCipher, RandomGenerator random,
                  long targetSize, long maxBytes) throws IOException {
        this.dir = dir;
        this.meta = meta;
        this.metadataCipher = metadataCipher;
        this.random = random;
        this.targetSize = targetSize;
        this.maxBytes = maxBytes;
        Files.createDirectories(dir);
    }

    public void setListener(PackSealedListener listener) {
        this.listener = listener;
    }

    public Path dir() {
        return dir;
    }

    /**
     * Closes packs a crash left open (their index is rebuilt from LMDB) and counts waiting bytes.
     * Returns every pack waiting for upload.
     */
    public List<PackId> recover() throws IOException {
        List<PackRecord> open = meta.read(r -> r.packs(PackState.OPEN));
        for (PackRecord pack : open) {
            Path file = dir.resolve(PackFormat.fileName(pack.id()));
            List<ChunkRecord> chunks = dropChunksPastTheEnd(pack, file, meta.read(r -> r.chunksInPack(pack.id())));
            if (chunks.isEmpty()) {
                // nothing points into it (a crash right after it was opened): forget it
                Files.deleteIfExists(file);
                meta.write(w -> {
                    w.deletePack(pack.id());
                    return null;
                });
                continue;
            }
            List<PackFormat.IndexEntry> index = new ArrayList<>();
            long end = PackFormat.MAGIC.length;
            for (ChunkRecord c : chunks) {
                index.add(new PackFormat.IndexEntry(c.id(), c.offset(), c.sealedLength(), c.plainLength()));
                end = Math.max(end, c.offset() + c.sealedLength());
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                ch.truncate(end);
                if (ch.size() < end) {
                    throw new IOException("pack " + pack.id() + " is shorter than its chunks: outbox damaged");
                }
                long size = writeTrailer(ch, pack.id(), index, end);
                ch.force(true);
                meta.write(w -> {
                    w.putPack(new PackRecord(pack.id(), PackState.SEALED, size,
                            w.pack(pack.id()).map(PackRecord::liveBytes).orElse(pack.liveBytes()), null));
                    return null;
                });
            }
        }
        List<PackRecord> sealed = meta.read(r -> r.packs(PackState.SEALED));
        List<PackId> ids = new ArrayList<>();
        synchronized (lock) {
            for (PackRecord p : sealed) {
                waitingBytes += p.size();
                ids.add(p.id());
                waitingPacks.put(p.id(), sealedAt(p.id()));
            }
        }
        return ids;
    }

    /**
     * The key and nonce counter for the next chunk: the open pack's id (opening one if there is none) and
     * the next counter of that pack. Packs are never reopened, so no slot is handed out twice; the chunk
     * may still land in a later pack, since its header names the key it was sealed with.
     */
    public KeySlot reserveSlot() {
        synchronized (lock) {
            try {
                if (openPack == null) {
                    openNewPack();
                }
            } catch (IOException e) {
                throw ioFailure(e);
            }
            return new KeySlot(openPack.bytes(), openCounter++);
        }
    }

    /**
     * Chunks LMDB places past the end of a pack file left open: after a power loss in which LMDB's pages
     * reached the disk and the pack's did not (kernel writeback in any order, under MDB_NOSYNC). Their
     * records go (the blocks that named them read as holes) and the volume mounts; the loss is logged.
     */
    private List<ChunkRecord> dropChunksPastTheEnd(PackRecord pack, Path file, List<ChunkRecord> chunks) throws IOException {
        long length = Files.exists(file) ? Files.size(file) : 0;
        List<ChunkRecord> lost = chunks.stream().filter(c -> c.offset() + c.sealedLength() > length).toList();
        if (lost.isEmpty()) {
            return chunks;
        }
        log.error("pack {} is {} bytes long but LMDB places {} of its {} chunks past that (a power loss kept the records "
                + "and not the bytes): their records are dropped, and the blocks that used them read as zeros",
                pack.id(), length, lost.size(), chunks.size());
        meta.write(w -> {
            long sealed = 0;
            for (ChunkRecord c : lost) {
                w.deleteChunk(c.id());
                w.addToCounter(ChunkStore.STORED_BYTES, -c.sealedLength());
                w.addToCounter(ChunkStore.LOGICAL_BYTES, -(long) c.plainLength() * c.refcount());
                sealed += c.sealedLength();
            }
            long gone = sealed;
            w.pack(pack.id()).ifPresent(p -> w.putPack(p.withLiveBytes(Math.max(0, p.liveBytes() - gone))));
            return null;
        });
        return chunks.stream().filter(c -> c.offset() + c.sealedLength() <= length).toList();
    }

    /** Appends a sealed chunk to the open pack, waiting while the outbox is over its limit. */
    public ChunkLocation append(ChunkId id, byte[] sealed, int plainLength) {
        PackId closed = null;
        ChunkLocation location;
        synchronized (lock) {
            while (waitingBytes >= maxBytes) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new FsException(FsError.IO, "interrupted while waiting for outbox room");
                }
            }
            try {
                if (openPack == null) {
                    openNewPack();
                }
                location = new ChunkLocation(openPack, openSize, sealed.length);
                writeFully(openChannel, ByteBuffer.wrap(sealed), openSize);
                openSize += sealed.length;
                openIndex.add(new PackFormat.IndexEntry(id, location.offset(), sealed.length, plainLength));
                if (openSize >= openTarget) {
                    closed = closeOpenPack();
                }
            } catch (IOException e) {
                throw ioFailure(e);
            }
        }
        if (closed != null) {
            listener.packSealed(closed);
        }
        return location;
    }

    /** Makes every appended byte durable (called by fsync before the metadata is synced). */
    public void force() {
        synchronized (lock) {
            if (openChannel != null && forcedSize < openSize) {
                try {
                    openChannel.force(false);
                    forcedSize = openSize;
                } catch (IOException e) {
                    throw ioFailure(e);
                }
            }
        }
    }

    /**
     * Runs {@code metadataSync} (an LMDB sync) with every appended byte forced and no append in between,
     * so no LMDB record becomes durable before the pack bytes it points at (MetaStore.setSyncOrder).
     */
    public void forceThen(Runnable metadataSync) {
        synchronized (lock) {
            force();
            metadataSync.run();
        }
    }

    /** Closes the open pack even if small, so everything written so far can be uploaded (sync, unmount). */
    public void sealOpenPack() {
        PackId closed;
        synchronized (lock) {
            if (openPack == null) {
                return;
            }
            try {
                closed = closeOpenPack();
            } catch (IOException e) {
                throw ioFailure(e);
            }
        }
        listener.packSealed(closed);
    }

    /** The pipeline confirms an upload: the pack no longer counts against the outbox limit. */
    public void uploaded(PackId pack, long packBytes) {
        synchronized (lock) {
            waitingBytes = Math.max(0, waitingBytes - packBytes);
            waitingPacks.remove(pack);
            lock.notifyAll();
        }
    }

    /** Sealed packs not yet uploaded. */
    public int waitingPacks() {
        synchronized (lock) {
            return waitingPacks.size();
        }
    }

    /** How long the oldest pack waiting for upload has waited since it was sealed; zero when none waits. */
    public Duration oldestWaitingAge(Instant now) {
        synchronized (lock) {
            return waitingPacks.values().stream().findFirst()
                    .map(sealed -> Duration.between(sealed, now))
                    .filter(age -> !age.isNegative())
                    .orElse(Duration.ZERO);
        }
    }

    public long waitingBytes() {
        synchronized (lock) {
            return waitingBytes + openSize;
        }
    }

    public boolean hasOpenPack() {
        synchronized (lock) {
            return openPack != null;
        }
    }

    public void close() {
        synchronized (lock) {
            if (openChannel != null) {
                try {
                    openChannel.force(false); // LMDB syncs at its close, after this: bytes before records
                    openChannel.close();
                } catch (IOException ignored) {
                    // the pack stays OPEN in LMDB and is recovered at the next start
                }
                openChannel = null;
            }
        }
    }

    private void openNewPack() throws IOException {
        PackId id = PackId.random(random);
        Path file = dir.resolve(PackFormat.fileName(id));
        // the file first: a crash between the two leaves a stray file, never a record without its file
        openChannel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        writeFully(openChannel, ByteBuffer.wrap(PackFormat.MAGIC), 0);
        openChannel.force(true);
        meta.write(w -> {
            w.putPack(new PackRecord(id, PackState.OPEN, 0, 0, null));
            return null;
        });
        openPack = id;
        openSize = PackFormat.MAGIC.length;
        forcedSize = openSize;
        // packs of one size are paced by Telegram's servers, and equal sizes say more than they must:
        // each pack closes somewhere in the top eighth of the target
        openTarget = targetSize - random.nextLong(Math.max(1, targetSize / 8));
        openCounter = 0;
        openIndex.clear();
    }

    private PackId closeOpenPack() throws IOException {
        PackId id = openPack;
        long size = writeTrailer(openChannel, id, openIndex, openSize);
        openChannel.force(true);
        forcedSize = openSize; // forced and closed: the LMDB commit below must not force it again
        openChannel.close();
        meta.write(w -> {
            PackRecord current = w.pack(id).orElse(new PackRecord(id, PackState.OPEN, 0, 0, null));
            w.putPack(new PackRecord(id, PackState.SEALED, size, current.liveBytes(), null));
            return null;
        });
        waitingBytes += size;
        waitingPacks.put(id, sealedAt(id));
        openPack = null;
        openChannel = null;
        openSize = 0;
        openIndex.clear();
        return id;
    }

    /** The pack file's modification time: when it was sealed, known again after a restart without a clock here. */
    private Instant sealedAt(PackId id) {
        try {
            return Files.getLastModifiedTime(dir.resolve(PackFormat.fileName(id))).toInstant();
        } catch (IOException e) {
            return Instant.EPOCH;
        }
    }

    private long writeTrailer(FileChannel ch, PackId id, List<PackFormat.IndexEntry> index, long at) throws IOException {
        byte[] sealedIndex = metadataCipher.seal(PackFormat.indexLabel(id), PackFormat.encodeIndex(index));
        ByteBuffer trailer = ByteBuffer.allocate(sealedIndex.length + 4 + PackFormat.INDEX_MAGIC.length);
        trailer.put(sealedIndex).putInt(sealedIndex.length).put(PackFormat.INDEX_MAGIC).flip();
        writeFully(ch, trailer, at);
        return at + sealedIndex.length + 4 + PackFormat.INDEX_MAGIC.length;
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            pos += ch.write(buf, pos);
        }
    }

    private static FsException ioFailure(IOException e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        FsError error = message.contains("No space left") ? FsError.NO_SPACE : FsError.IO;
        return new FsException(error, "outbox: " + message, e);
    }
}
