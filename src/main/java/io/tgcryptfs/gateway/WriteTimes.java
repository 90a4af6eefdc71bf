package io.tgcryptfs.gateway;

/** Who moves a regular file's mtime and ctime when it is written. */
public enum WriteTimes {
    /** The write itself, to its time (at most once per {@link io.tgcryptfs.engine.TimeStep}). */
    MOVED_BY_WRITE,
    /**
     * The kernel: under FUSE's writeback cache it keeps a regular file's times itself, shows those, and
     * sends them in a SETATTR before an fsync, a close or the writeback of the inode. Times a write moved
     * here were overwritten by that SETATTR a moment later, each of the two an LMDB commit: in the Time
     * Machine band workload, three in five of all its commits. A write then moves only the size, when it
     * grows the file.
     */
    SENT_BY_KERNEL
}
