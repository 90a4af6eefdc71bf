/**
 * The LMDB implementation of the metadata port, and the only code in tgcryptfs importing
 * {@code org.lmdbjava}.
 *
 * <p>What enters: a directory and a map size ({@link io.tgcryptfs.meta.lmdb.LmdbMetaStore#open}), then
 * reader/writer functions through the {@link io.tgcryptfs.meta.MetaStore} port. What leaves: copied
 * value types and {@code FsException}s; native LMDB errors are translated in exactly one place
 * ({@code LmdbErrors}).
 *
 * <p>Inside: {@code Keys} builds fixed-width big-endian keys with a one-byte table prefix in a single
 * database, {@code Codecs} encodes values in a compact, versioned binary form, {@code TxnReader} /
 * {@code TxnWriter} adapt one LMDB transaction to {@code MetaReader} / {@code MetaWriter}.
 *
 * <p>Imports allowed: {@code java.*}, {@code org.lmdbjava}, {@code io.tgcryptfs.fs} value types and
 * {@code io.tgcryptfs.meta}.
 */
package io.tgcryptfs.meta.lmdb;
