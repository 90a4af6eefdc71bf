/**
 * The metadata log: how the metadata reaches the backend and comes back on a new machine.
 *
 * <p>Every change to a replicated LMDB table is marked in the same transaction ({@code meta}).
 * {@link io.tgcryptfs.backup.PointCapture} turns the marks (or, for a checkpoint, everything) into
 * sealed segment files no larger than a backend object and records a pending restore point;
 * {@link io.tgcryptfs.backup.PointPublisher} uploads a point's segments and manifest once its packs are
 * on the backend, then moves the root record; {@link io.tgcryptfs.backup.MetadataRestore} applies a
 * point to an empty store, segment by segment, resumably. Formats are in {@code docs/formats.md}.
 *
 * <p>Enters: a {@code MetaStore}, a {@code BlobStore}, the metadata cipher. May import {@code meta},
 * {@code backend}, {@code crypto}, {@code chunk} (counter names), {@code pipeline} (retry policy),
 * {@code fs}. Nothing here is an actor: the volume runs it on one thread.
 */
package io.tgcryptfs.backup;
