/**
 * The metadata port: the only way the rest of tgcryptfs reads or changes filesystem metadata.
 *
 * <p>What enters: a {@link java.util.function.Function} over a {@link io.tgcryptfs.meta.MetaReader}
 * (one consistent snapshot) or a {@link io.tgcryptfs.meta.MetaWriter} (one atomic change), given to
 * {@link io.tgcryptfs.meta.MetaStore#read} or {@link io.tgcryptfs.meta.MetaStore#write}. A function
 * that returns commits; one that throws aborts and its exception is rethrown unchanged.
 *
 * <p>What leaves: plain value types ({@code Inode}, {@code DirEntry}, {@code ChunkId},
 * {@link io.tgcryptfs.meta.ChunkRecord}, {@link io.tgcryptfs.meta.PackRecord},
 * {@link io.tgcryptfs.meta.BlockRef}), always copied out so they outlive the transaction, and
 * failures as {@code FsException}: {@code NO_SPACE} when the metadata map is full,
 * {@code NAME_TOO_LONG} for names over 255 bytes, {@code IO} for other storage failures,
 * {@code INTEGRITY} for undecodable records. Callers never see a transaction, a buffer or a
 * storage-library type.
 *
 * <p>Imports allowed: {@code java.*} and the value types in {@code io.tgcryptfs.fs}. The LMDB
 * implementation lives in {@code io.tgcryptfs.meta.lmdb}, the only code importing {@code org.lmdbjava};
 * nothing outside wiring code should name it. Fakes for tests implement {@link io.tgcryptfs.meta.MetaStore}
 * in the test tree.
 */
package io.tgcryptfs.meta;
