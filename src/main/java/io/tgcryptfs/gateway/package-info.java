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
 * is always consistent. Names and link counts change through the Namespace, attributes and xattrs through
 * InodeAttributes, both on the calling thread. Writes are handed to the Band(s) a range covers without
 * waiting ({@link io.tgcryptfs.gateway.WriteBehind}; a range is split at band boundaries), after the size
 * is extended; reads of bands with unsealed data ask the Band; truncate flushes the inode's bands, then
 * asks its OpenInode; fsync collects the bands' journal records, appends them at once and forces the
 * journal, the outbox and LMDB. Also owns the open-handle table ({@code OpenHandles}).
 * {@link io.tgcryptfs.gateway.FsGateway} takes paths and handles; {@link io.tgcryptfs.gateway.InodeGateway}
 * serves the same file system by inode number, for the FUSE workers' requests that need no path, and
 * the path operations end there once they have the inode.
 *
 * <p><b>May import:</b> {@code java.*}, Pekko's ask pattern, {@code io.tgcryptfs.engine},
 * {@code io.tgcryptfs.meta}, {@code io.tgcryptfs.chunk} and {@code io.tgcryptfs.fs}.
 */
package io.tgcryptfs.gateway;
