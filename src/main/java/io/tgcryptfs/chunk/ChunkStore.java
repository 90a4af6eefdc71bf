package io.tgcryptfs.chunk;

import io.tgcryptfs.crypto.ChunkCipher;
import io.tgcryptfs.crypto.ChunkIdHasher;
import io.tgcryptfs.crypto.IntegrityException;
import io.tgcryptfs.fs.ChunkId;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.meta.BlockRef;
import io.tgcryptfs.meta.ChunkRecord;
import io.tgcryptfs.meta.MetaReader;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.MetaWriter;
import io.tgcryptfs.metrics.Metrics;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns block plaintext into stored chunks and back. Sealing: trailing zeros trimmed (an all-zero block
 * is a hole and stores nothing) -> keyed chunk id -> dedup against LMDB -> compress -> encrypt ->
 * append to the outbox -> one LMDB transaction that points the block at the chunk and moves refcounts.
 * Loading: only the frames a read covers ({@link ChunkFrames}): plaintext cache -> pack bytes (outbox,
 * cache or download) -> verify+decrypt -> decompress.
 * Thread-safe; blocking, so callers run it on the blocking dispatcher.
 */
public final class ChunkStore {
    private static final Logger log = LoggerFactory.getLogger(ChunkStore.class);
    /** Counter names kept in LMDB for statfs and status. */
    public static final String STORED_BYTES = "stored-bytes";
    public static final String LOGICAL_BYTES = "logical-bytes";
    /**
     * The most blocks one transaction removes. A huge file's blocks removed in one transaction were all
     * listed in the heap at once (about 100 bytes each: a 1 TiB file's 4 million would outgrow a 512 MiB
     * heap), and that transaction held LMDB's one writer lock for as long as it took, stalling every
     * create, seal and size change of the volume meanwhile.
     */
    public static final int DROP_BATCH = 16_384;

    private final int blockSize;
    private final MetaStore meta;
    private final ChunkIdHasher hasher;
    private final ChunkCipher cipher;
    private final Compressor compressor;
    private final Outbox outbox;
    private final PackCache packs;
    private final ChunkFrames frames;
    private final Metrics metrics;

    public ChunkStore(int blockSize, MetaStore meta, ChunkIdHasher hasher, ChunkCipher cipher, Compressor compressor,
                      Outbox outbox, PackCache packs, PlaintextCache plaintexts, Metrics metrics) {
        this.blockSize = blockSize;
        this.meta = meta;
        this.hasher = hasher;
        this.cipher = cipher;
        this.compressor = compressor;
        this.outbox = outbox;
        this.packs = packs;
        this.frames = new ChunkFrames(blockSize, cipher, compressor, packs, plaintexts, metrics);
        this.metrics = metrics;
    }

    public int blockSize() {
        return blockSize;
    }

    /**
     * Stores {@code block} (blockSize bytes) as block {@code index} of {@code ino}. A block that lies
     * at or beyond the file's current size, or of an inode that no longer exists, is dropped: a
     * truncate or unlink overtook it. Looked at first, so the bytes of a file deleted before its blocks
     * went cold (a temporary file, one renamed over) are never hashed, encrypted, stored or uploaded; the
     * commit looks again, for a truncate or unlink that lands meanwhile.
     */
    public void seal(long ino, long index, byte[] block) {
        if (!meta.read(r -> holds(r.inode(ino), index))) {
            return;
        }
        int length = trimmedLength(block);
        if (length == 0) {
            meta.write(w -> {
                dropBlock(w, ino, index);
                return null;
            });
            return;
        }
        ChunkId id = hasher.idOf(block, 0, length);
        PendingChunk pending = null;
        while (true) {
            if (pending == null && meta.read(r -> r.chunk(id)).isEmpty()) {
                pending = encrypt(id, block, length);
            }
            final PendingChunk appended = pending;
            Boolean done = meta.write(w -> commit(w, ino, index, id, length, appended));
            if (done) {
                return;
            }
            // the chunk vanished between our check and the commit (its last reference went): store it
            pending = encrypt(id, block, length);
        }
    }

    /**
     * Read-ahead: starts fetching the packs that hold the {@code count} blocks after {@code index}, so
     * a sequential read does not stall at each pack boundary (a pack is the unit of download).
     */
    public void prefetchAfter(long ino, long index, int count, java.util.concurrent.Executor executor) {
        List<PackId> packsAhead = meta.read(r -> r.blocks(ino, index + 1, index + 1 + count).stream()
                .map(b -> r.chunk(b.chunk()).map(ChunkRecord::pack).orElse(null))
                .filter(java.util.Objects::nonNull).distinct().toList());
        for (PackId pack : packsAhead) {
            packs.prefetch(pack, executor);
        }
    }

    /**
     * Plaintext of block {@code index} of {@code ino} (always blockSize bytes; zeros for a hole), a fresh
     * array the caller owns. The block map and chunk record are read in one snapshot, so a concurrent
     * reseal cannot pull the chunk away between them.
     */
    public byte[] loadBlock(long ino, long index) {
        byte[] block = new byte[blockSize];
        readBlock(ino, index, 0, block, 0, blockSize);
        return block;
    }

    /**
     * Copies {@code length} bytes at {@code inBlock} of block {@code index} of {@code ino} into {@code out}:
     * only the frames holding them are read and decrypted.
     */
    public void readBlock(long ino, long index, int inBlock, byte[] out, int outOffset, int length) {
        Objects.checkFromIndexSize(inBlock, length, blockSize);
        Optional<ChunkRecord> record = meta.read(r -> r.block(ino, index).flatMap(r::chunk));
        if (record.isEmpty()) {
            Arrays.fill(out, outOffset, outOffset + length, (byte) 0);
            return;
        }
        try {
            readChunk(record.get(), inBlock, out, outOffset, length);
        } catch (IntegrityException first) {
            // a damaged cached copy: drop it and fetch the pack again before declaring corruption; said
            // aloud, since a disk that damages files will damage one the backend cannot give back
            log.warn("the local copy of pack {} failed verification ({}); fetching it again", record.get().pack(),
                    first.getMessage());
            packs.discard(record.get().pack());
            frames.forget(record.get().id());
            try {
                readChunk(record.get(), inBlock, out, outOffset, length);
            } catch (IntegrityException e) {
                metrics.integrityFailure();
                throw integrity("chunk " + record.get().id() + " in pack " + record.get().pack()
                        + " failed verification: " + e.getMessage());
            }
        }
    }

    private void readChunk(ChunkRecord c, int from, byte[] out, int outOffset, int length) throws IntegrityException {
        int end = from + length;
        int plainEnd = Math.min(end, c.plainLength());
        if (plainEnd < end) {
            Arrays.fill(out, outOffset + Math.max(0, plainEnd - from), outOffset + length, (byte) 0);
        }
        if (from >= plainEnd) {
            return;
        }
        frames.of(c, from, plainEnd).readInto(out, outOffset);
    }

    /** Authenticates and decompresses the sealed bytes of one chunk, from wherever they were read (verify). */
    public void verify(ChunkRecord record, byte[] sealed) {
        try {
            frames.verify(record, sealed);
        } catch (IntegrityException e) {
            metrics.integrityFailure();
            throw integrity("chunk " + record.id() + " in pack " + record.pack() + " failed verification: " + e.getMessage());
        }
    }

    /** The sealed bytes of a chunk from the local pack copy (downloading it if needed). */
    public byte[] sealedBytes(ChunkRecord record) {
        return packs.read(record.pack(), record.offset(), record.sealedLength());
    }

    /**
     * Removes the highest blocks of {@code ino} at index >= {@code fromIndex}, at most {@link #DROP_BATCH}
     * of them (a truncate, a deleted file): the caller goes on in another transaction while more remain.
     *
     * @return the lowest index removed if more may remain, else -1 (none is left at or above fromIndex)
     */
    public long dropTail(MetaWriter w, long ino, long fromIndex) {
        List<BlockRef> tail = w.lastBlocks(ino, fromIndex, DROP_BATCH);
        for (BlockRef ref : tail) {
            removeBlock(w, ino, ref.index(), ref.chunk());
        }
        return tail.size() < DROP_BATCH ? -1 : tail.get(tail.size() - 1).index();
    }

    /** Blocks of {@code ino} that hold data (holes excluded): what st_blocks reports. */
    public static long storedBlocks(MetaReader r, long ino) {
        return r.counter(storedBlocksCounter(ino));
    }

    private static String storedBlocksCounter(long ino) {
        return "blocks/" + ino;
    }

    private void removeBlock(MetaWriter w, long ino, long index, ChunkId chunk) {
        w.deleteBlock(ino, index);
        w.addToCounter(storedBlocksCounter(ino), -1);
        release(w, chunk);
    }

    private record PendingChunk(ChunkLocation location, int plainLength) {
    }

    private PendingChunk encrypt(ChunkId id, byte[] block, int length) {
        byte[] sealed = ChunkFormat.seal(cipher, compressor, id, block, length, outbox.reserveSlot());
        return new PendingChunk(outbox.append(id, sealed, length), length);
    }

    private boolean commit(MetaWriter w, long ino, long index, ChunkId id, int length, PendingChunk appended) {
        Optional<ChunkRecord> existing = w.chunk(id);
        if (existing.isEmpty() && appended == null) {
            return false;
        }
        boolean live = holds(w.inode(ino), index);
        if (existing.isPresent()) {
            // a duplicate we appended anyway is never referenced: gc sees it as the pack's dead bytes
            if (!live) {
                return true;
            }
            w.putChunk(existing.get().withRefcount(existing.get().refcount() + 1));
            metrics.chunkSealed(length, 0, true);
        } else {
            ChunkLocation loc = appended.location();
            if (!live) {
                return true;
            }
            w.putChunk(new ChunkRecord(id, loc.pack(), loc.offset(), loc.sealedLength(), length, 1));
            w.pack(loc.pack()).ifPresent(p -> w.putPack(p.withLiveBytes(p.liveBytes() + loc.sealedLength())));
            w.addToCounter(STORED_BYTES, loc.sealedLength());
            metrics.chunkSealed(length, loc.sealedLength(), false);
        }
        Optional<ChunkId> old = w.block(ino, index);
        w.putBlock(ino, index, id);
        w.addToCounter(LOGICAL_BYTES, length);
        if (old.isPresent()) {
            release(w, old.get());
        } else {
            w.addToCounter(storedBlocksCounter(ino), 1);
        }
        return true;
    }

    /** Whether a file (if it still exists) reaches block {@code index}. */
    private boolean holds(Optional<Inode> inode, long index) {
        return inode.isPresent() && index * (long) blockSize < inode.get().size();
    }

    private void dropBlock(MetaWriter w, long ino, long index) {
        w.block(ino, index).ifPresent(old -> removeBlock(w, ino, index, old));
    }

    private void release(MetaWriter w, ChunkId id) {
        Optional<ChunkRecord> rec = w.chunk(id);
        if (rec.isEmpty()) {
            return;
        }
        ChunkRecord c = rec.get();
        w.addToCounter(LOGICAL_BYTES, -c.plainLength());
        if (c.refcount() > 1) {
            w.putChunk(c.withRefcount(c.refcount() - 1));
            return;
        }
        w.deleteChunk(id);
        w.addToCounter(STORED_BYTES, -c.sealedLength());
        w.pack(c.pack()).ifPresent(p -> w.putPack(p.withLiveBytes(Math.max(0, p.liveBytes() - c.sealedLength()))));
    }

    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.nativeOrder());

    /**
     * Length without trailing zero bytes. Eight bytes at a time: a small file's block is mostly zeros,
     * and a byte loop over them was a measurable share of `tar x`'s CPU time.
     */
    static int trimmedLength(byte[] block) {
        int n = block.length;
        while (n >= Long.BYTES && (long) LONGS.get(block, n - Long.BYTES) == 0L) {
            n -= Long.BYTES;
        }
        while (n > 0 && block[n - 1] == 0) {
            n--;
        }
        return n;
    }

    private static FsException integrity(String message) {
        return new FsException(FsError.INTEGRITY, message);
    }

    /** For statfs: bytes stored in packs that are still referenced. */
    public long storedBytes() {
        return meta.read(r -> r.counter(STORED_BYTES));
    }
}
