package io.tgcryptfs.meta;

import java.util.function.Function;

/**
 * The metadata port. LMDB is the source of truth for everything but in-flight dirty data; callers
 * never see transactions, only these two functions. A function that throws aborts its transaction.
 * A full map surfaces as {@code FsException(NO_SPACE)}.
 */
public interface MetaStore extends AutoCloseable {
    <T> T read(Function<MetaReader, T> fn);

    <T> T write(Function<MetaWriter, T> fn);

    /** Forces every committed transaction to stable storage (fsync). */
    void sync();

    /**
     * Writes a compact, consistent copy of the whole store into the (not yet existing) directory
     * {@code target}, for the encrypted metadata backup.
     */
    void copyTo(java.nio.file.Path target);

    /** Bytes used by the metadata files on disk. */
    long usedBytes();

    @Override
    void close();
}
