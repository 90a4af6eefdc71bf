package io.tgcryptfs.meta.lmdb;

import io.tgcryptfs.fs.ChunkId;
import io.tgcryptfs.fs.DirEntry;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.meta.BlockRef;
import io.tgcryptfs.meta.ChunkRecord;
import io.tgcryptfs.meta.MetaReader;
import io.tgcryptfs.meta.PackRecord;
import io.tgcryptfs.meta.PackState;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.GetOp;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@link MetaReader} over one LMDB transaction. Every value is copied into a heap array before it is
 * decoded, so nothing returned points into the memory map. Not thread-safe: one function, one thread.
 */
class TxnReader implements MetaReader {
    /**
     * Keys are handed to LMDB in a direct buffer. LMDB reads the key during the call and keeps no
     * reference to it, so one buffer per thread is enough, even for a read nested in a write.
     */
    private static final ThreadLocal<ByteBuffer> KEY_BUFFER =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(Keys.MAX_KEY_BYTES + 1));

    private static final byte[] NO_VALUE = new byte[0];

    final Txn<ByteBuffer> txn;
    final Dbi<ByteBuffer> dbi;

    TxnReader(Txn<ByteBuffer> txn, Dbi<ByteBuffer> dbi) {
        this.txn = txn;
        this.dbi = dbi;
    }

    // ---- MetaReader

    @Override
    public Optional<Inode> inode(long ino) {
        byte[] v = get(Keys.inode(ino));
        return v == null ? Optional.empty() : Optional.of(Codecs.decodeInode(ino, v));
    }

    @Override
    public OptionalLong lookup(long parent, String name) {
        byte[] v = get(Keys.entry(parent, Keys.name(name, "file name")));
        return v == null ? OptionalLong.empty() : OptionalLong.of(Codecs.decodeEntry(v));
    }

    @Override
    public List<DirEntry> entries(long parent, String afterName, int limit) {
        List<DirEntry> out = new ArrayList<>(Math.min(Math.max(limit, 0), 1024));
        if (limit <= 0) {
            return out;
        }
        byte[] prefix = Keys.entryPrefix(parent);
        byte[] start = afterName == null
                ? prefix
                : Keys.successor(Keys.entry(parent, Keys.name(afterName, "file name")));
        scan(prefix, start, (key, value) -> {
            out.add(new DirEntry(Keys.nameAt(key, Keys.AFTER_INO), Codecs.decodeEntry(value)));
            return out.size() < limit;
        });
        return out;
    }

    @Override
    public boolean hasEntries(long parent) {
        byte[] prefix = Keys.entryPrefix(parent);
        boolean[] found = {false};
        scanKeys(prefix, prefix, (key, value) -> {
            found[0] = true;
            return false;
        });
        return found[0];
    }

    @Override
    public Optional<byte[]> xattr(long ino, String name) {
        byte[] v = get(Keys.xattr(ino, Keys.name(name, "xattr name")));
        return v == null ? Optional.empty() : Optional.of(Codecs.decodeXattr(v));
    }

    @Override
    public List<String> xattrNames(long ino) {
        List<String> out = new ArrayList<>();
        byte[] prefix = Keys.xattrPrefix(ino);
        scanKeys(prefix, prefix, (key, value) -> {
            out.add(Keys.nameAt(key, Keys.AFTER_INO));
            return true;
        });
        return out;
    }

    @Override
    public Optional<ChunkId> block(long ino, long index) {
        byte[] v = get(Keys.block(ino, index));
        return v == null ? Optional.empty() : Optional.of(Codecs.decodeBlock(v));
    }

    @Override
    public List<BlockRef> blocks(long ino, long fromIndex, long toIndex) {
        List<BlockRef> out = new ArrayList<>();
        long from = Math.max(fromIndex, 0);
        if (from >= toIndex) {
            return out;
        }
        scan(Keys.blockPrefix(ino), Keys.block(ino, from), (key, value) -> {
            long index = Keys.longAt(key, Keys.AFTER_INO);
            if (index >= toIndex) {
                return false;
            }
            out.add(new BlockRef(index, Codecs.decodeBlock(value)));
            return true;
        });
        return out;
    }

    @Override
    public List<BlockRef> firstBlocks(long ino, long fromIndex, int limit) {
        List<BlockRef> out = new ArrayList<>();
        if (limit <= 0) {
            return out;
        }
        scan(Keys.blockPrefix(ino), Keys.block(ino, Math.max(fromIndex, 0)), (key, value) -> {
            out.add(new BlockRef(Keys.longAt(key, Keys.AFTER_INO), Codecs.decodeBlock(value)));
            return out.size() < limit;
        });
        return out;
    }

    @Override
    public List<BlockRef> lastBlocks(long ino, long fromIndex, int limit) {
        List<BlockRef> out = new ArrayList<>();
        byte[] prefix = Keys.blockPrefix(ino);
        try (Cursor<ByteBuffer> cursor = dbi.openCursor(txn)) {
            // the first key past the file's last block, then backwards; no key past it: the table's last
            boolean at = cursor.get(direct(Keys.block(ino, Long.MAX_VALUE)), GetOp.MDB_SET_RANGE) ? cursor.prev() : cursor.last();
            while (at && out.size() < limit) {
                byte[] key = copy(cursor.key());
                if (!Keys.startsWith(key, prefix)) {
                    break;
                }
                long index = Keys.longAt(key, Keys.AFTER_INO);
                if (index < fromIndex) {
                    break;
                }
                out.add(new BlockRef(index, Codecs.decodeBlock(copy(cursor.val()))));
                at = cursor.prev();
            }
        } catch (LmdbException e) {
            throw LmdbErrors.translate(e);
        }
        return out;
    }

    @Override
    public Optional<ChunkRecord> chunk(ChunkId id) {
        byte[] v = get(Keys.chunk(id));
        return v == null ? Optional.empty() : Optional.of(Codecs.decodeChunk(id, v));
    }

    @Override
    public List<ChunkRecord> chunksInPack(PackId pack) {
        List<ChunkId> ids = new ArrayList<>();
        byte[] prefix = Keys.chunkByPackPrefix(pack);
        scanKeys(prefix, prefix, (key, value) -> {
            ids.add(Keys.chunkOfChunkByPack(key));
            return true;
        });
        List<ChunkRecord> out = new ArrayList<>(ids.size());
        for (ChunkId id : ids) {
            chunk(id).ifPresent(out::add);
        }
        return out;
    }

    @Override
    public Optional<PackRecord> pack(PackId id) {
        byte[] v = get(Keys.pack(id));
        return v == null ? Optional.empty() : Optional.of(Codecs.decodePack(id, v));
    }

    @Override
    public List<PackRecord> packs(PackState state) {
        return packs(state, null, Integer.MAX_VALUE);
    }

    @Override
    public List<PackRecord> packs(PackState state, PackId after, int limit) {
        List<PackId> ids = new ArrayList<>();
        if (limit <= 0) {
            return List.of();
        }
        byte[] prefix = Keys.packByStatePrefix(state);
        byte[] start = after == null ? prefix : Keys.successor(Keys.packByState(state, after));
        scanKeys(prefix, start, (key, value) -> {
            ids.add(Keys.packOfPackByState(key));
            return ids.size() < limit;
        });
        List<PackRecord> out = new ArrayList<>(ids.size());
        for (PackId id : ids) {
            pack(id).ifPresent(out::add);
        }
        return out;
    }

    @Override
    public long counter(String name) {
        byte[] v = get(Keys.counter(name));
        return v == null ? 0 : Codecs.decodeLong(v);
    }

    @Override
    public List<Long> orphans() {
        List<Long> out = new ArrayList<>();
        byte[] prefix = Keys.orphanPrefix();
        scanKeys(prefix, prefix, (key, value) -> {
            out.add(Keys.longAt(key, 1));
            return true;
        });
        return out;
    }

    @Override
    public Optional<byte[]> local(String name) {
        return Optional.ofNullable(get(Keys.local(name)));
    }

    @Override
    public List<String> localNames(String prefix) {
        List<String> out = new ArrayList<>();
        byte[] p = Keys.localPrefix(prefix);
        scanKeys(p, p, (key, value) -> {
            out.add(Keys.nameAt(key, 1));
            return true;
        });
        return out;
    }

    // ---- primitives: the only code touching Dbi/Cursor for reads

    /** The value stored under {@code key}, copied out, or null. */
    final byte[] get(byte[] key) {
        try {
            ByteBuffer v = dbi.get(txn, direct(key));
            return v == null ? null : copy(v);
        } catch (LmdbException e) {
            throw LmdbErrors.translate(e);
        }
    }

    /** Receives each key and value (both copied out); returns whether to continue. */
    @FunctionalInterface
    interface Visitor {
        boolean visit(byte[] key, byte[] value);
    }

    /** Visits entries whose key starts with {@code prefix}, in byte order, from the first key >= {@code start}. */
    final void scan(byte[] prefix, byte[] start, Visitor visitor) {
        scan(prefix, start, true, visitor);
    }

    /** Like {@link #scan(byte[], byte[], Visitor)} but passes an empty value (index tables, names). */
    final void scanKeys(byte[] prefix, byte[] start, Visitor visitor) {
        scan(prefix, start, false, visitor);
    }

    final void scan(byte[] prefix, byte[] start, boolean withValues, Visitor visitor) {
        try (Cursor<ByteBuffer> cursor = dbi.openCursor(txn)) {
            if (!cursor.get(direct(start), GetOp.MDB_SET_RANGE)) {
                return;
            }
            do {
                byte[] key = copy(cursor.key());
                if (!Keys.startsWith(key, prefix) || !visitor.visit(key, withValues ? copy(cursor.val()) : NO_VALUE)) {
                    return;
                }
            } while (cursor.next());
        } catch (LmdbException e) {
            throw LmdbErrors.translate(e);
        }
    }

    /** Copies a key into this thread's direct buffer, positioned at 0 as LMDB expects. */
    static ByteBuffer direct(byte[] key) {
        ByteBuffer b = KEY_BUFFER.get();
        b.clear();
        b.put(key).flip();
        return b;
    }

    private static byte[] copy(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
