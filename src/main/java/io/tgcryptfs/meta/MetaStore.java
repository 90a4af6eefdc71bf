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
     * Wraps every later {@link #sync} (also the one {@link #capture} starts with, and none at close):
     * {@code order} must run the sync it is given after making durable whatever committed records point
     * at, and keep that from growing until the sync is done (the outbox: pack bytes before the records).
     */
    void setSyncOrder(java.util.function.Consumer<Runnable> order);

    /**
     * Makes every commit durable, starts a new change generation, then runs {@code fn} on a read view
     * that sees every change marked up to the generation it reports. Later writes are marked in the new
     * generation, so {@link #forgetChanges} of the view's generation never drops a change the view
     * did not see.
     */
    <T> T capture(CaptureFunction<T> fn) throws java.io.IOException;

    /** A function over a capture view that may write files. */
    @FunctionalInterface
    interface CaptureFunction<T> {
        T apply(CaptureView view) throws java.io.IOException;
    }

    /** Drops the change marks of {@code generation} and older: what they marked is shipped. */
    void forgetChanges(long generation);

    /**
     * Applies shipped records as they are, in one transaction, without marking them as changes (a
     * restore). A record for a non-replicated key is an {@code INTEGRITY} error.
     */
    void apply(java.util.List<MetaRecord> records);

    /** Bytes used by the metadata files on disk. */
    long usedBytes();

    @Override
    void close();
}
