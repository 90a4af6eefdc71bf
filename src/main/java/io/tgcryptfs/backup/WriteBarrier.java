package io.tgcryptfs.backup;

/**
 * The data path as a capture needs it. Written data waits in memory and in the write journal before
 * its blocks are sealed into metadata, so a view of metadata alone would hold a file's new size
 * without its newest blocks, and a later file without an earlier one's fsync'd bytes. A capture asks
 * for everything written so far to be sealed and for writes to wait until its view is open: the point
 * is then the filesystem as it was at one moment, as a crash at that moment would have left it.
 */
@FunctionalInterface
public interface WriteBarrier {
    /** No data path (tools that work on metadata alone). */
    WriteBarrier NONE = () -> () -> { };

    /** Seals every block written so far; new writes wait until the returned hold is released. */
    Hold sealAndHold() throws InterruptedException;

    /** Writes wait while this is held. Releasing twice is harmless. */
    @FunctionalInterface
    interface Hold extends AutoCloseable {
        @Override
        void close();
    }
}
