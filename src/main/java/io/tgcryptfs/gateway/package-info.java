/**
 * The synchronous facade FUSE calls, and the one place that blocks on actors.
 *
 * <p><b>What enters:</b> path- and handle-based filesystem calls with a {@link io.tgcryptfs.gateway.Caller}.
 *
 * <p><b>What leaves:</b> plain results ({@code Inode}, byte arrays, {@link io.tgcryptfs.gateway.Listing}s,
 * {@link io.tgcryptfs.gateway.FsStats}) or an {@code FsException}; an actor that does not answer within
 * {@code tgcryptfs.engine.ask-timeout} ({@code write-timeout} for writes, fsync and sync, which may wait
 * for room) is {@code TIMED_OUT} (EIO).
 *
 * <p><b>How:</b> paths are resolved and committed metadata is read (getattr, readdir, getxattr, listxattr,
 * statfs) straight from an LMDB read transaction: every change commits in one transaction, so a snapshot
 * is always consistent. Names and link counts change through the Namespace, on the calling thread. Other
 * changes are asked of the owning actor: attributes and xattrs of the inode's OpenInode, data of the
 * Band(s) a range covers (a range is split at band boundaries and the pieces run in parallel). A write first asks the inode to extend the size,
 * then the bands; truncate flushes the inode's bands first; fsync flushes them, forces the outbox and
 * syncs LMDB. Also owns the open-handle table.
 *
 * <p><b>May import:</b> {@code java.*}, Pekko's ask pattern, {@code io.tgcryptfs.engine},
 * {@code io.tgcryptfs.meta}, {@code io.tgcryptfs.chunk} and {@code io.tgcryptfs.fs}.
 */
package io.tgcryptfs.gateway;
