package io.tgcryptfs.volume;

import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.backend.Sleeper;
import io.tgcryptfs.config.Settings;
import io.tgcryptfs.gateway.FsGateway;
import io.tgcryptfs.metrics.Metrics;
import io.tgcryptfs.pipeline.UploadStatus;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * An unlocked, running volume as the CLI holds it while mounted: the gateway FUSE serves, the clean
 * shutdown path's sync (seal, upload everything, back up metadata), gc, verify, status and close.
 * {@link VolumeStartup} opens it (keys, metadata, outbox, cache, actors, upload pipeline and gateway,
 * wired together as {@link VolumeParts}), {@link VolumeStatus} words its status and
 * {@link VolumeShutdown} stops it.
 */
public final class Volume implements AutoCloseable {
    private final VolumeParts parts;
    /** A restore point mounted for browsing: never publishes, never collects garbage. */
    private final boolean snapshot;
    private final VolumeStatus status;
    private final AtomicBoolean closed = new AtomicBoolean();

    Volume(VolumeParts parts, boolean snapshot, LongSupplier nanoTime) {
        this.parts = parts;
        this.snapshot = snapshot;
        this.status = new VolumeStatus(parts, nanoTime);
    }

    /**
     * Unlocks and starts the volume. A volume that exists only on the backend must be restored first
     * ({@link VolumeRestore}).
     */
    public static Volume open(Settings settings, BlobStore backend, char[] password, Clock clock, LongSupplier nanoTime,
                              SecureRandom random, Metrics metrics, Sleeper sleeper) throws VolumeException {
        return VolumeStartup.open(settings, backend, password, clock, nanoTime, random, metrics, sleeper, false);
    }

    /**
     * Opens a restored restore point for browsing ({@link VolumeRestore#runPoint}): nothing is ever
     * published from it, no gc runs, and the mount is read-only, so the writer's volume is untouched.
     */
    public static Volume openSnapshot(Settings settings, BlobStore backend, char[] password, Clock clock,
                                      LongSupplier nanoTime, SecureRandom random, Metrics metrics, Sleeper sleeper)
            throws VolumeException {
        return VolumeStartup.open(settings, backend, password, clock, nanoTime, random, metrics, sleeper, true);
    }

    public FsGateway gateway() {
        return parts.gateway();
    }

    public boolean isSnapshot() {
        return snapshot;
    }

    public int blockSize() {
        return parts.header().blockSize();
    }

    public UploadStatus uploadStatus() {
        return parts.uploads().status();
    }

    /**
     * Seals every dirty block, uploads every pack and publishes a metadata snapshot: afterwards the
     * backend alone (plus the password) holds the whole filesystem.
     */
    public void syncToBackend(Consumer<UploadStatus> progress) throws InterruptedException, VolumeException {
        if (snapshot) {
            throw new VolumeException("this is a read-only restore point: there is nothing to sync");
        }
        parts.backendSync().syncToBackend(progress);
    }

    /**
     * Publishes this machine's state over a newer restore point on the backend, which is otherwise never
     * overwritten: the user's explicit confirmation after a restore from the fallback point, or when
     * taking over from a writer that is gone for good. Then syncs.
     */
    public void syncReplacingNewerRoot(Consumer<UploadStatus> progress) throws InterruptedException, VolumeException {
        if (snapshot) {
            throw new VolumeException("this is a read-only restore point: there is nothing to sync");
        }
        parts.backendSync().replaceNewerRoot();
        parts.backendSync().syncToBackend(progress);
    }

    /**
     * Garbage collection now: compacts mostly dead packs, publishes two restore points (so neither the
     * newest nor its fallback mentions the retired packs), then deletes the retired packs no kept
     * restore point mentions (the rest go when their points expire).
     */
    public void gc(Consumer<String> out) throws InterruptedException, VolumeException {
        if (snapshot) {
            throw new VolumeException("this is a read-only restore point: run gc on the writer's mount");
        }
        parts.garbage().compact(out);
        syncToBackend(s -> { });
        syncToBackend(s -> { });
        try {
            parts.garbage().deleteUnneeded(out);
        } catch (BackendException | IOException e) {
            throw new VolumeException("gc could not delete every retired pack (it retries next time): " + e.getMessage(), e);
        }
    }

    /**
     * Authenticates every stored chunk; with {@code fromBackend} as the backend returns it. Returns the
     * number of damaged chunks.
     */
    public long verify(boolean fromBackend, Consumer<String> out) {
        return new Verifier(parts.meta(), parts.chunks(), parts.backend(), parts.settings().stateDir().resolve("verify.part"))
                .verify(fromBackend, out);
    }

    /** Lines for `tgcryptfs status`. */
    public List<String> statusLines() {
        return status.lines();
    }

    /** Stored and not-yet-uploaded bytes of the files under {@code names}, a path from the root (timemachine status). */
    public StoredUsage usage(List<String> names) {
        return StoredUsage.of(parts.meta(), names, parts.header().blockSize());
    }

    /** Drops cached packs the backend has confirmed (cache clear). */
    public long clearCache() throws IOException {
        return parts.packCache().clear();
    }

    @Override
    public void close() {
        // not synchronized with syncToBackend: closing the pipeline is what ends a drain that cannot finish
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        VolumeShutdown.run(parts);
    }
}
