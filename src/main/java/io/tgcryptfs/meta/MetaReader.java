package io.tgcryptfs.meta;

import io.tgcryptfs.fs.ChunkId;
import io.tgcryptfs.fs.DirEntry;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.fs.PackId;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A consistent read view of the metadata (one LMDB read transaction). Everything returned is copied
 * out, so it stays valid after the transaction ends.
 */
public interface MetaReader {
    Optional<Inode> inode(long ino);

    OptionalLong lookup(long parent, String name);

    /** Entries of {@code parent} in name-byte order, strictly after {@code afterName} (null: from the start). */
    List<DirEntry> entries(long parent, String afterName, int limit);

    boolean hasEntries(long parent);

    Optional<byte[]> xattr(long ino, String name);

    List<String> xattrNames(long ino);

    Optional<ChunkId> block(long ino, long index);

    /** Blocks of {@code ino} with fromIndex <= index < toIndex, in index order. */
    List<BlockRef> blocks(long ino, long fromIndex, long toIndex);

    /** The lowest blocks of {@code ino} with index >= fromIndex, at most {@code limit}, in index order. */
    List<BlockRef> firstBlocks(long ino, long fromIndex, int limit);

    /** The highest blocks of {@code ino} with index >= fromIndex, at most {@code limit}, highest first. */
    List<BlockRef> lastBlocks(long ino, long fromIndex, int limit);

    Optional<ChunkRecord> chunk(ChunkId id);

    /** Chunks stored in {@code pack}, in offset order (used to write a pack's index and by gc). */
    List<ChunkRecord> chunksInPack(PackId pack);

    Optional<PackRecord> pack(PackId id);

    List<PackRecord> packs(PackState state);

    /** Packs in {@code state} in id order, strictly after {@code after} (null: from the first), at most {@code limit}. */
    List<PackRecord> packs(PackState state, PackId after, int limit);

    /** A named 64-bit counter (next inode number, statistics); 0 when never set. */
    long counter(String name);

    List<Long> orphans();

    /** Local bookkeeping that never leaves this machine (backup progress, sequence numbers). */
    Optional<byte[]> local(String name);

    /** Names of local entries starting with {@code prefix}, in byte order. */
    List<String> localNames(String prefix);
}
