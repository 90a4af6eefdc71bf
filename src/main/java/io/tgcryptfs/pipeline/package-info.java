/**
 * The upload pipeline (Pekko Streams): sealed packs from the outbox to the backend.
 *
 * <p><b>What enters:</b> pack ids, from {@code Outbox} when a pack is sealed and from LMDB at start
 * (packs in state SEALED), and a drain request at sync/unmount.
 *
 * <p><b>What leaves:</b> backend puts; per pack one LMDB transaction recording the remote reference
 * (state UPLOADED), the outbox's byte count released (so waiting writers resume) and the pack file moved
 * into the cache directory. {@link io.tgcryptfs.pipeline.UploadStatus} snapshots (pending packs and bytes,
 * retries by cause, the reason uploads are blocked) for progress and status; metrics.
 *
 * <p><b>Graph:</b> {@code Source.queue(upload.queue-size)} (overflow kept aside and re-offered) ->
 * {@code KillSwitch} -> {@code mapAsyncUnordered(upload.concurrency)} of a blocking put with retries ->
 * sink. Retries never give up on a pack: RATE_LIMITED waits exactly {@code retry_after}, TRANSIENT and
 * NOT_FOUND back off with jitter ({@link io.tgcryptfs.backend.Backoff}), PERMANENT is reported once and
 * retried at the longest backoff. Time is injected through {@link io.tgcryptfs.backend.Sleeper}.
 *
 * <p><b>May import:</b> {@code java.*}, {@code org.apache.pekko.stream}, {@code io.tgcryptfs.backend} (the
 * port), {@code io.tgcryptfs.chunk}, {@code io.tgcryptfs.meta}, {@code io.tgcryptfs.fs},
 * {@code io.tgcryptfs.metrics} and slf4j.
 */
package io.tgcryptfs.pipeline;
