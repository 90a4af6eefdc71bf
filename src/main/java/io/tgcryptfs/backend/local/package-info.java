/**
 * A directory as the backend: the embedded default, and what tests and benchmarks use.
 *
 * <p><b>What enters:</b> a directory ({@code tgcryptfs.backend.local.dir}, default
 * {@code <state-dir>/backend}) and the {@link io.tgcryptfs.backend.BlobStore} calls.
 *
 * <p><b>What leaves:</b> objects as {@code <dir>/objects/<name>} (the reference is the name itself) and
 * the root record as {@code <dir>/root}. Every file is written under a temporary name, forced and renamed,
 * so a crash never leaves half an object under a real name. Unlimited object size.
 *
 * <p><b>May import:</b> {@code java.*} and {@code io.tgcryptfs.backend}.
 */
package io.tgcryptfs.backend.local;
