/**
 * The storage backend port: where encrypted packs, metadata snapshots and the root record live.
 *
 * <p><b>What enters:</b> a random object name and a local file (put), a reference the backend handed
 * out earlier (get, delete), and the bytes of the root record (putRoot). Everything handed in is already
 * encrypted (packs, snapshots) or holds no secret in clear (the volume header inside the root record).
 *
 * <p><b>What leaves:</b> opaque references (for the local backend the object name, for Telegram
 * {@code tg:<bot>:<chat>:<message>:<file_id>}), downloaded files, the current root record, the largest
 * object size ({@link io.tgcryptfs.backend.BlobStore#maxObjectBytes()}) and failures as
 * {@link io.tgcryptfs.backend.BackendException} whose {@code Kind} says what a retry can do: RATE_LIMITED
 * (wait exactly {@code retryAfter}), TRANSIENT (back off and retry), PERMANENT (stop and report),
 * NOT_FOUND.
 *
 * <p>Calls block. Retries, backoff and upload concurrency belong to the callers
 * ({@code io.tgcryptfs.pipeline}, {@code io.tgcryptfs.chunk.PackCache}); implementations only pace and
 * classify.
 *
 * <p><b>May import:</b> {@code java.*} only. Implementations live in {@code backend.local} and
 * {@code backend.telegram}; nothing in the core names them except the code that chooses a backend
 * ({@code cli}).
 */
package io.tgcryptfs.backend;
