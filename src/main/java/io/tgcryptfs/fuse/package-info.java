/**
 * The jnr-fuse adapter (libfuse 2, path-based API).
 *
 * <p><b>What enters:</b> libfuse callbacks with paths, handles, buffers and the caller's uid/gid.
 *
 * <p><b>What leaves:</b> exactly one gateway call per callback, filled structs ({@code stat},
 * {@code statvfs}) and a return code: 0, a byte count, or the errno of the error's meaning through
 * {@code Errnos} (one exhaustive switch over {@code FsError}), every call run by {@code FuseCalls}:
 * expected errors are not logged, unexpected ones are logged once there, anything else becomes
 * {@code -EIO}, and each call's latency goes to {@code Metrics.fuseCall}. {@code XattrWire} holds how
 * xattr flags, name lists and replies cross FUSE. {@link io.tgcryptfs.fuse.FuseOptions} builds the mount options ({@code use_ino},
 * {@code big_writes}); {@code FuseLoop} serves libfuse's channel on Java threads, {@code NodeIds} and
 * {@code NodeIdRewriter} make each file one kernel inode whatever its names (libfuse 2 keeps a node per
 * name), {@code AttrValidity} decides, reply by reply, how long the kernel may keep attributes,
 * {@code InitReply} raises the largest request libfuse 2 negotiates and asks for the writeback cache
 * ({@code KernelCtime} keeps the ctime the kernel then sends; {@code Wire} holds the protocol's numbers
 * these share), {@code ByInodeRequests} answers by inode number what needs no path (every GETATTR,
 * LSEEK) or has lost it (an open file's SETATTR and xattrs when libfuse answers ENOENT), and {@code ReadAhead} sets the mount's readahead
 * window once the kernel has the INIT reply ({@code MountInfo} finds the mount's device).
 *
 * <p><b>May import:</b> {@code ru.serce.jnrfuse}, {@code jnr.ffi}, {@code io.tgcryptfs.gateway},
 * {@code io.tgcryptfs.fs}, small value types of {@code io.tgcryptfs.engine} ({@code TimeChange},
 * {@code XattrMode}), {@code io.tgcryptfs.config} (FUSE settings), {@code io.tgcryptfs.metrics} and slf4j.
 * Never actors, LMDB or crypto directly. Only {@code cli} imports it.
 */
package io.tgcryptfs.fuse;
