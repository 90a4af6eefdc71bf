package io.tgcryptfs.meta;

import io.tgcryptfs.fs.ChunkId;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.fs.PackId;

/** A write transaction: everything done through one writer commits together or not at all. */
public interface MetaWriter extends MetaReader {
    void putInode(Inode inode);

    void deleteInode(long ino);

    void putEntry(long parent, String name, long child);

    void deleteEntry(long parent, String name);

    void putXattr(long ino, String name, byte[] value);

    /** @return whether the attribute existed */
    boolean deleteXattr(long ino, String name);

    void putBlock(long ino, long index, ChunkId chunk);

    void deleteBlock(long ino, long index);

    void putChunk(ChunkRecord chunk);

    void deleteChunk(ChunkId id);

    void putPack(PackRecord pack);

    void deletePack(PackId id);

    void setCounter(String name, long value);

    /** Adds {@code delta} to a counter and returns the new value. */
    long addToCounter(String name, long delta);

    void addOrphan(long ino);

    void removeOrphan(long ino);

    void putLocal(String name, byte[] value);

    void deleteLocal(String name);
}
