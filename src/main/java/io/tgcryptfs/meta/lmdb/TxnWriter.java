package io.tgcryptfs.meta.lmdb;

import io.tgcryptfs.fs.ChunkId;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.meta.ChunkRecord;
import io.tgcryptfs.meta.MetaWriter;
import io.tgcryptfs.meta.PackRecord;
import org.lmdbjava.Dbi;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link MetaWriter} over one LMDB write transaction. Secondary indexes ('K' chunks by pack, 'S' packs
 * by state) are kept in step with their records here, so callers only ever put and delete records.
 */
final class TxnWriter extends TxnReader implements MetaWriter {
    /** Linux's XATTR_SIZE_MAX. */
    static final int MAX_XATTR_VALUE_BYTES = 64 * 1024;

    /** Local entry holding the current change generation of the replication log. */
    static final String GENERATION = "log-generation";
    private static final byte[] MARK = {1};

    private final boolean markChanges;
    private long generation = -1;

    /** @param markChanges whether changes to replicated tables are marked for the metadata log (not when applying shipped records) */
    TxnWriter(Txn<ByteBuffer> txn, Dbi<ByteBuffer> dbi, boolean markChanges) {
        super(txn, dbi);
        this.markChanges = markChanges;
    }

    @Override
    public void putInode(Inode inode) {
        put(Keys.inode(inode.ino()), Codecs.encodeInode(inode));
    }

    /** Deletes the inode and its extended attributes. Blocks are left to the caller, who owns their chunk refcounts. */
    @Override
    public void deleteInode(long ino) {
        delete(Keys.inode(ino));
        byte[] prefix = Keys.xattrPrefix(ino);
        List<byte[]> xattrs = new ArrayList<>();
        scanKeys(prefix, prefix, (key, value) -> xattrs.add(key));
        xattrs.forEach(this::delete);
    }

    @Override
    public void putEntry(long parent, String name, long child) {
        byte[] n = Keys.name(name, "file name");
        if (n.length == 0) {
            throw new FsException(FsError.INVALID, "empty file name");
        }
        put(Keys.entry(parent, n), Codecs.encodeEntry(child));
    }

    @Override
    public void deleteEntry(long parent, String name) {
        delete(Keys.entry(parent, Keys.name(name, "file name")));
    }

    @Override
    public void putXattr(long ino, String name, byte[] value) {
        byte[] n = Keys.name(name, "xattr name");
        if (n.length == 0) {
            throw new FsException(FsError.INVALID, "empty xattr name");
        }
        if (value.length > MAX_XATTR_VALUE_BYTES) {
            throw new FsException(FsError.TOO_BIG,
                    "xattr value is " + value.length + " bytes, at most " + MAX_XATTR_VALUE_BYTES + " allowed");
        }
        put(Keys.xattr(ino, n), Codecs.encodeXattr(value));
    }

    @Override
    public boolean deleteXattr(long ino, String name) {
        return delete(Keys.xattr(ino, Keys.name(name, "xattr name")));
    }

    @Override
    public void putBlock(long ino, long index, ChunkId chunk) {
        if (index < 0) {
            throw new FsException(FsError.INVALID, "negative block index " + index);
        }
        put(Keys.block(ino, index), Codecs.encodeBlock(chunk));
    }

    @Override
    public void deleteBlock(long ino, long index) {
        delete(Keys.block(ino, index));
    }

    @Override
    public void putChunk(ChunkRecord chunk) {
        Optional<ChunkRecord> old = chunk(chunk.id());
        boolean moved = old.isEmpty()
                || !old.get().pack().equals(chunk.pack()) || old.get().offset() != chunk.offset();
        if (moved) {
            old.ifPresent(o -> delete(Keys.chunkByPack(o.pack(), o.offset(), o.id())));
            put(Keys.chunkByPack(chunk.pack(), chunk.offset(), chunk.id()), Codecs.marker());
        }
        put(Keys.chunk(chunk.id()), Codecs.encodeChunk(chunk));
    }

    @Override
    public void deleteChunk(ChunkId id) {
        chunk(id).ifPresent(o -> delete(Keys.chunkByPack(o.pack(), o.offset(), o.id())));
        delete(Keys.chunk(id));
    }

    @Override
    public void putPack(PackRecord pack) {
        Optional<PackRecord> old = pack(pack.id());
        if (old.isEmpty() || old.get().state() != pack.state()) {
            old.ifPresent(o -> delete(Keys.packByState(o.state(), o.id())));
            put(Keys.packByState(pack.state(), pack.id()), Codecs.marker());
        }
        put(Keys.pack(pack.id()), Codecs.encodePack(pack));
    }

    @Override
    public void deletePack(PackId id) {
        pack(id).ifPresent(o -> delete(Keys.packByState(o.state(), o.id())));
        delete(Keys.pack(id));
    }

    @Override
    public void setCounter(String name, long value) {
        put(Keys.counter(name), Codecs.encodeLong(value));
    }

    /**
     * A counter that comes back to 0 is deleted (a missing counter reads as 0): per-file counters such as
     * a file's stored blocks would otherwise stay behind for every file ever deleted, locally and in every
     * metadata checkpoint.
     */
    @Override
    public long addToCounter(String name, long delta) {
        long value = counter(name) + delta;
        if (value == 0) {
            delete(Keys.counter(name));
        } else {
            setCounter(name, value);
        }
        return value;
    }

    @Override
    public void putLocal(String name, byte[] value) {
        put(Keys.local(name), value);
    }

    @Override
    public void deleteLocal(String name) {
        delete(Keys.local(name));
    }

    @Override
    public void addOrphan(long ino) {
        put(Keys.orphan(ino), Codecs.marker());
    }

    @Override
    public void removeOrphan(long ino) {
        delete(Keys.orphan(ino));
    }

    // ---- primitives: the only code writing through the Dbi

    void put(byte[] key, byte[] value) {
        try {
            // MDB_RESERVE: LMDB makes room in the map and we copy straight into it, no direct value buffer.
            ByteBuffer slot = dbi.reserve(txn, direct(key), value.length);
            slot.duplicate().clear().put(value);
            markChanged(key);
        } catch (LmdbException e) {
            throw LmdbErrors.translate(e);
        }
    }

    /** @return whether the key existed */
    boolean delete(byte[] key) {
        try {
            boolean existed = dbi.delete(txn, direct(key));
            if (existed) {
                markChanged(key);
            }
            return existed;
        } catch (LmdbException e) {
            throw LmdbErrors.translate(e);
        }
    }

    /** Current change generation (0 for a store that never captured). */
    long generation() {
        if (generation < 0) {
            byte[] v = get(Keys.local(GENERATION));
            generation = v == null ? 0 : Codecs.decodeLong(v);
        }
        return generation;
    }

    private void markChanged(byte[] key) {
        if (markChanges && Keys.replicated(key)) {
            ByteBuffer changed = direct(Keys.changed(generation(), key));
            // A key changed again in the same generation (a directory's inode, the inode counters) is
            // marked already. Putting the same mark again would still copy its page and write it at
            // commit; looking it up only reads.
            if (dbi.get(txn, changed) == null) {
                dbi.reserve(txn, changed, MARK.length).put(0, MARK[0]);
            }
        }
    }
}
