package io.tgcryptfs.pipeline;

import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backend.Backoff;
import io.tgcryptfs.backend.Retry;
import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.backend.Sleeper;
import io.tgcryptfs.chunk.Outbox;
import io.tgcryptfs.chunk.PackCache;
import io.tgcryptfs.chunk.PackFormat;
import io.tgcryptfs.chunk.PackSealedListener;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.PackRecord;
import io.tgcryptfs.meta.PackState;
import io.tgcryptfs.metrics.Metrics;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Uploads sealed packs: a bounded queue of pack ids (refilled from LMDB after a restart) ->
 * {@code mapAsyncUnordered(upload.concurrency)} -> put with retries -> the remote reference committed
 * in LMDB -> the pack file moves from the outbox to the cache. Retries never give up on a pack
 * ({@link Retry#untilDone}, the backend's one retry policy): rate limits wait exactly as long as the
 * backend asks, transient and local failures back off with jitter, and permanent refusals (bot removed
 * from the chat) are reported and retried at the longest backoff, so uploads resume by themselves once
 * access returns. Nothing local is deleted before the backend
 * confirmed the object.
 */
public final class UploadPipeline implements PackSealedListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UploadPipeline.class);

    private final MetaStore meta;
    private final BlobStore backend;
    private final Outbox outbox;
    private final PackCache cache;
    private final Executor blocking;
    private final Sleeper sleeper;
    private final RandomGenerator random;
    private final Backoff backoff;
    private final Metrics metrics;
    private final int concurrency;
    private final int queueSize;

    private final Set<PackId> pending = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<PackId> overflow = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicLong> retries = new ConcurrentHashMap<>();
    private final AtomicLong uploadedPacks = new AtomicLong();
    private final AtomicLong uploadedBytes = new AtomicLong();
    private final AtomicReference<String> blockedReason = new AtomicReference<>();
    private final Object drainSignal = new Object();

    private BoundedSourceQueue<PackId> queue;
    private UniqueKillSwitch killSwitch;
    private volatile boolean closed;

    public UploadPipeline(MetaStore meta, BlobStore backend, Outbox outbox, PackCache cache, Executor blocking,
                          Sleeper sleeper, RandomGenerator random, Backoff backoff, int concurrency, int queueSize,
                          Metrics metrics) {
        this.meta = meta;
        this.backend = backend;
        this.outbox = outbox;
        this.cache = cache;
        this.blocking = blocking;
        this.sleeper = sleeper;
        this.random = random;
        this.backoff = backoff;
        this.concurrency = concurrency;
        this.queueSize = queueSize;
        this.metrics = metrics;
    }

    public void start(ActorSystem<?> system, Collection<PackId> recovered) {
        Pair<BoundedSourceQueue<PackId>, UniqueKillSwitch> materialized =
                Source.<PackId>queue(queueSize)
                        .viaMat(KillSwitches.single(), Keep.both())
                        .mapAsyncUnordered(concurrency, id -> CompletableFuture.supplyAsync(() -> upload(id), blocking))
                        .toMat(Sink.foreach(id -> afterUpload()), Keep.left())
                        .run(system);
        queue = materialized.first();
        killSwitch = materialized.second();
        recovered.forEach(this::packSealed);
    }

    @Override
    public void packSealed(PackId pack) {
        if (closed || !pending.add(pack)) {
            return;
        }
        offer(pack);
    }

    /** Seals the open pack and waits until every pack is uploaded, reporting progress now and then. */
    public void drain(Consumer<UploadStatus> progress, Duration progressEvery) throws InterruptedException {
        outbox.sealOpenPack();
        synchronized (drainSignal) {
            while (!pending.isEmpty() && !closed) {
                progress.accept(status());
                drainSignal.wait(progressEvery.toMillis());
            }
        }
        progress.accept(status());
        if (!pending.isEmpty()) {
            throw new InterruptedException("uploads stopped with " + pending.size() + " packs still waiting");
        }
    }

    public UploadStatus status() {
        Map<String, Long> byCause = new TreeMap<>();
        retries.forEach((k, v) -> byCause.put(k, v.get()));
        return new UploadStatus(pending.size(), outbox.waitingBytes(), uploadedPacks.get(), uploadedBytes.get(),
                byCause, blockedReason.get());
    }

    @Override
    public void close() {
        closed = true;
        if (killSwitch != null) {
            killSwitch.shutdown();
        }
        synchronized (drainSignal) {
            drainSignal.notifyAll();
        }
    }

    private void offer(PackId pack) {
        overflow.add(pack);
        pump();
    }

    /** Moves waiting packs into the stream's queue while it has room; called on every offer and completion. */
    private synchronized void pump() {
        PackId next;
        while ((next = overflow.peek()) != null) {
            if (!(queue.offer(next) instanceof QueueOfferResult.Enqueued$)) {
                break;
            }
            overflow.poll();
        }
    }

    private void afterUpload() {
        pump();
        synchronized (drainSignal) {
            drainSignal.notifyAll();
        }
    }

    private PackId upload(PackId pack) {
        Retry retry = Retry.untilDone(backoff, sleeper, random, (cause, e) -> retried(pack, cause, e));
        try {
            retry.call(() -> {
                if (closed) {
                    throw new PipelineClosed();
                }
                try {
                    uploadOnce(pack);
                } catch (IOException | RuntimeException e) {
                    // a local failure (the outbox file, LMDB): retried like a transient backend one
                    log.error("upload of pack {} failed locally: {}", pack, e.toString());
                    throw BackendException.transientFailure("local: " + e, e);
                }
                return pack;
            });
            blockedReason.set(null);
            pending.remove(pack);
        } catch (PipelineClosed e) {
            // the pack stays SEALED in LMDB and is queued again at the next start
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (BackendException e) {
            throw new IllegalStateException("a retry that never gives up gave up", e);
        }
        return pack;
    }

    private void retried(PackId pack, String cause, BackendException e) {
        retries.computeIfAbsent(cause, k -> new AtomicLong()).incrementAndGet();
        metrics.retry(cause);
        if (e.kind() == BackendException.Kind.PERMANENT) {
            if (blockedReason.getAndSet(e.getMessage()) == null) {
                log.error("uploads stopped: {} (data stays in the outbox; retrying)", e.getMessage());
            }
        } else {
            log.warn("upload of pack {} failed ({}), retrying: {}", pack, cause, e.getMessage());
        }
    }

    /** Thrown into the retry loop once the pipeline closes, so a waiting upload ends instead of retrying. */
    private static final class PipelineClosed extends RuntimeException {
        PipelineClosed() {
            super("upload pipeline closed", null, false, false);
        }
    }

    private void uploadOnce(PackId pack) throws BackendException, IOException {
        PackRecord record = meta.read(r -> r.pack(pack)).orElse(null);
        if (record == null || record.state() == PackState.UPLOADED) {
            return;
        }
        Path file = outbox.dir().resolve(PackFormat.fileName(pack));
        long size = Files.size(file);
        String ref = backend.put(pack.hex(), file);
        meta.write(w -> {
            PackRecord current = w.pack(pack).orElse(record);
            w.putPack(current.uploaded(ref));
            return null;
        });
        meta.sync(); // UPLOADED durable before the file leaves the outbox: a power loss must not strand it in the cache
        outbox.uploaded(pack, size);
        cache.adoptUploaded(pack);
        uploadedPacks.incrementAndGet();
        uploadedBytes.addAndGet(size);
        metrics.uploaded(size);
    }
}
