/**
 * A volume's life cycle: create, restore on a new machine ({@link io.tgcryptfs.volume.VolumeRestore}),
 * open, run, sync to the backend, close.
 *
 * <p><b>What enters:</b> {@code Settings}, a {@code BlobStore}, the password, injected clock, random and
 * sleeper, and a {@code Metrics} sink.
 *
 * <p><b>What leaves:</b> a running {@link io.tgcryptfs.volume.Volume}: the state directory locked
 * ({@code <state>/lock}), keys unlocked, LMDB open, outbox recovered, the actor system, registries, upload
 * pipeline and {@code FsGateway} wired together. While mounted, {@code BackendSync} keeps restore
 * points moving on one thread (the metadata log, package {@code backup}); {@code syncToBackend} seals
 * every dirty block and waits until a restore point covering everything written is published.
 * {@link io.tgcryptfs.volume.StoredUsage} sums a directory's stored and not-yet-uploaded bytes from its
 * block maps. Failures are {@link io.tgcryptfs.volume.VolumeException}s with a one-line reason ("wrong
 * password", "already mounted by another process", ...).
 *
 * <p><b>May import:</b> everything below the CLI except FUSE: {@code config}, {@code crypto},
 * {@code meta} (and {@code meta.lmdb} to open the store), {@code chunk}, {@code engine}, {@code gateway},
 * {@code pipeline}, {@code backup}, {@code backend}, {@code metrics}, Pekko and slf4j.
 */
package io.tgcryptfs.volume;
