/**
 * Blocks, chunks and packs: how a block's plaintext becomes stored bytes and back.
 *
 * <p><b>What enters:</b> whole block plaintexts to seal (from the Band actors, on the blocking
 * dispatcher), block reads ({@code ino}, index), and the pipeline's confirmations that a pack is on the
 * backend.
 *
 * <p><b>What leaves:</b> block plaintexts (always a whole block, zeros for holes), LMDB changes made in
 * one transaction per sealed block (block map, chunk refcounts, pack live bytes, counters), pack files in
 * the outbox and cache directories, and {@link io.tgcryptfs.chunk.PackSealedListener#packSealed} calls
 * for the upload pipeline. Failures are {@code FsException}s ({@code INTEGRITY} when a chunk fails
 * authentication, after one re-download).
 *
 * <p><b>Flow:</b> seal = trim trailing zeros (all zeros = a hole, nothing stored) -> keyed chunk id ->
 * dedup against LMDB -> LZ4 if it saves at least 1/16 -> AES-GCM seal -> append to the open pack in the
 * {@link io.tgcryptfs.chunk.Outbox} (which waits while the outbox is over its size limit) -> commit. Load =
 * {@link io.tgcryptfs.chunk.PlaintextCache} -> pack bytes from the outbox, the
 * {@link io.tgcryptfs.chunk.PackCache} directory or a download -> verify+decrypt -> decompress -> pad.
 * {@link io.tgcryptfs.chunk.PackFormat} is the pack file layout.
 *
 * <p><b>May import:</b> {@code java.*}, {@code net.jpountz.lz4}, {@code io.tgcryptfs.fs},
 * {@code io.tgcryptfs.meta}, {@code io.tgcryptfs.crypto}, {@code io.tgcryptfs.backend} (the port, for
 * downloads) and {@code io.tgcryptfs.metrics}. Never actors, streams or FUSE.
 */
package io.tgcryptfs.chunk;
