/**
 * Shared value types: the POSIX model every layer speaks ({@link io.tgcryptfs.fs.Inode},
 * {@link io.tgcryptfs.fs.FileKind}, {@link io.tgcryptfs.fs.Timestamp}, {@link io.tgcryptfs.fs.DirEntry}),
 * identifiers ({@link io.tgcryptfs.fs.ChunkId}, a keyed hash; {@link io.tgcryptfs.fs.PackId}, random
 * 128 bits) and error meanings ({@link io.tgcryptfs.fs.FsError}, carried by
 * {@link io.tgcryptfs.fs.FsException} in synchronous code).
 *
 * <p><b>What enters / leaves:</b> plain immutable values; no behaviour beyond validation and copying.
 *
 * <p>{@link io.tgcryptfs.fs.LocalFiles} is the one local-disk helper (deleting scratch trees).
 *
 * <p><b>May import:</b> {@code java.*} only. Every package may import this one.
 */
package io.tgcryptfs.fs;
