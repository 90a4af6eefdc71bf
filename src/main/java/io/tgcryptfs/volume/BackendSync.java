package io.tgcryptfs.volume;

import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backup.PointCapture;
import io.tgcryptfs.backup.PointPublisher;
import io.tgcryptfs.backup.RestorePoints;
import io.tgcryptfs.chunk.Outbox;
import io.tgcryptfs.crypto.IntegrityException;
import io.tgcryptfs.gateway.FsGateway;
import io.tgcryptfs.pipeline.UploadPipeline;
import io.tgcryptfs.pipeline.UploadStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Keeps the backend's restore points moving while mounted: one thread captures a point at least every
 * {@code max-unbacked / 2} while metadata changes, another publishes each point as soon as its packs
 * are uploaded, so a publish waiting for a slow backend never delays the next capture.
 * {@link #syncToBackend} forces a point covering everything written so far and waits for it.
 */
final class BackendSync implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BackendSync.class);
    private static final Duration TICK = Duration.ofMillis(500);

    private final FsGateway gateway;
    private final Outbox outbox;
    private final UploadPipeline uploads;
    private final PointCapture capture;
    private final PointPublisher publisher;
    private final RestorePoints points;
    private final Clock clock;
    private final long captureEveryMillis;
    private final ScheduledExecutorService captures = daemon("tgcryptfs-metadata-capture");
    private final ScheduledExecutorService thread = daemon("tgcryptfs-metadata-log");
    private final Object published = new Object();
    private static final Duration AFTER_FAILURE = Duration.ofSeconds(10);
    private long lastCaptureMillis;
    private long nextPublishMillis;
    private volatile String failure;
    private volatile boolean fatal;

    BackendSync(FsGateway gateway, Outbox outbox, UploadPipeline uploads, PointCapture capture, PointPublisher publisher,
                RestorePoints points, Clock clock, Duration maxUnbacked) {
        this.gateway = gateway;
        this.outbox = outbox;
        this.uploads = uploads;
        this.capture = capture;
        this.publisher = publisher;
        this.points = points;
        this.clock = clock;
        this.captureEveryMillis = Math.max(1, maxUnbacked.toMillis() / 2);
        this.lastCaptureMillis = clock.millis();
    }

    private static ScheduledExecutorService daemon(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        captures.scheduleWithFixedDelay(this::captureIfDue, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        thread.scheduleWithFixedDelay(this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void captureIfDue() {
        if (clock.millis() - lastCaptureMillis < captureEveryMillis) {
            return;
        }
        lastCaptureMillis = clock.millis();
        try {
            capture.capture(false);
        } catch (IOException | RuntimeException e) {
            fail("metadata backup: cannot capture a restore point: " + e, false);
        }
    }

    private void tick() {
        try {
            if (clock.millis() < nextPublishMillis) {
                return;
            }
            nextPublishMillis = clock.millis() + AFTER_FAILURE.toMillis(); // unless it works
            OptionalLong done = publisher.publishReady();
            if (done.isPresent()) {
                log.debug("restore point #{} published", done.getAsLong());
            }
            nextPublishMillis = 0;
            clearFailure();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (PointPublisher.NewerRootException e) {
            fail("metadata backup: " + e.getMessage(), true);
        } catch (BackendException e) {
            fail("metadata backup: " + e.getMessage(), e.kind() == BackendException.Kind.PERMANENT);
        } catch (IntegrityException e) {
            fail("metadata backup: the backend's root record does not authenticate: " + e.getMessage(), true);
        } catch (IOException | RuntimeException e) {
            fail("metadata backup failed locally: " + e, false);
        } finally {
            synchronized (published) {
                published.notifyAll();
            }
        }
    }

    /**
     * Seals every dirty block and publishes a restore point covering everything written before the
     * call: afterwards the backend alone (plus the password) holds the whole filesystem.
     */
    void syncToBackend(Consumer<UploadStatus> progress) throws InterruptedException, VolumeException {
        progress.accept(status()); // the caller hears something at once, even if sealing takes a while
        gateway.syncAll();
        outbox.sealOpenPack();
        long target;
        try {
            target = captures.submit(() -> capture.capture(true).getAsLong()).get();
        } catch (ExecutionException e) {
            throw new VolumeException("cannot capture the metadata: " + e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new VolumeException("the volume is closing");
        }
        synchronized (published) {
            while (points.lastPublished() < target) {
                progress.accept(status());
                if (fatal) {
                    throw new VolumeException(failure);
                }
                if (thread.isShutdown() || captures.isShutdown()) {
                    throw new VolumeException("the volume closed before restore point #" + target + " was published");
                }
                published.wait(1000);
            }
        }
        progress.accept(status());
    }

    /** The uploads' status, blocked by the metadata's failure when the uploads themselves are fine. */
    private UploadStatus status() {
        UploadStatus u = uploads.status();
        String metadata = failure;
        if (u.blockedReason() != null || metadata == null) {
            return u;
        }
        return new UploadStatus(u.pendingPacks(), u.pendingBytes(), u.uploadedPacks(), u.uploadedBytes(),
                u.retriesByCause(), metadata);
    }

    /** The user confirmed: publish over a newer root on the backend (see {@link PointPublisher#adoptBackendSequence}). */
    void replaceNewerRoot() throws VolumeException, InterruptedException {
        try {
            // on the capture thread, so no capture numbers a point from the sequence before the adoption
            captures.submit(() -> {
                publisher.adoptBackendSequence();
                clearFailure();
                return null;
            }).get();
        } catch (ExecutionException e) {
            throw new VolumeException("cannot read the backend's root record: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Why restore points are not advancing, or null. */
    String failure() {
        return failure;
    }

    private void fail(String message, boolean permanent) {
        if (!message.equals(failure)) {
            log.error("{}{}", message, permanent ? "" : " (retrying)");
        }
        failure = message;
        fatal = permanent;
    }

    private void clearFailure() {
        if (failure != null) {
            log.info("metadata backup running again");
        }
        failure = null;
        fatal = false;
    }

    @Override
    public void close() {
        captures.shutdownNow();
        thread.shutdownNow();
        synchronized (published) {
            published.notifyAll();
        }
    }
}
