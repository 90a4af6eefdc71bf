package io.tgcryptfs.volume;

import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.crypto.IntegrityException;
import io.tgcryptfs.gateway.FsGateway;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.PackState;
import io.tgcryptfs.meta.lmdb.LmdbMetaStore;
import io.tgcryptfs.metrics.Metrics;
import io.tgcryptfs.pipeline.Backoff;
import io.tgcryptfs.pipeline.Sleeper;
import io.tgcryptfs.pipeline.UploadPipeline;
import io.tgcryptfs.pipeline.UploadStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Brings the backend up to date: seal everything, upload every pack, publish a metadata snapshot that
 * mentions only uploaded packs, and keep the root record's sequence so a replayed root is noticed.
 */
final class BackendSync {
    private static final Logger log = LoggerFactory.getLogger(BackendSync.class);
    /** LMDB counter: sequence number of the last root record this machine published. */
    static final String ROOT_SEQUENCE = "root-sequence";

    private final FsGateway gateway;
    private final UploadPipeline uploads;
    private final MetadataBackup backup;
    private final MetaStore meta;
    private final long mapSize;
    private final Sleeper sleeper;
    private final Backoff backoff;
    private final RandomGenerator random;
    private final Metrics metrics;

    BackendSync(FsGateway gateway, UploadPipeline uploads, MetadataBackup backup, MetaStore meta, long mapSize,
                Sleeper sleeper, Backoff backoff, RandomGenerator random, Metrics metrics) {
        this.gateway = gateway;
        this.uploads = uploads;
        this.backup = backup;
        this.meta = meta;
        this.mapSize = mapSize;
        this.sleeper = sleeper;
        this.backoff = backoff;
        this.random = random;
        this.metrics = metrics;
    }

    /**
     * Seals every dirty block, uploads every pack and publishes a metadata snapshot: afterwards the
     * backend alone (plus the password) holds the whole filesystem.
     */
    synchronized void syncToBackend(Consumer<UploadStatus> progress) throws InterruptedException, VolumeException {
        for (int attempt = 0; attempt < 10; attempt++) {
            gateway.syncAll();
            uploads.drain(progress, Duration.ofSeconds(1));
            if (backupWithRetries()) {
                return;
            }
        }
        throw new VolumeException("writes kept arriving faster than the sync could finish; run sync again");
    }

    /** Publishes a snapshot, retrying what a retry can fix (5xx, dropped connections, 429) like uploads do. */
    private boolean backupWithRetries() throws InterruptedException, VolumeException {
        for (int attempt = 0; ; attempt++) {
            try {
                long lastPublished = meta.read(r -> r.counter(ROOT_SEQUENCE));
                Optional<MetadataBackup.Published> published =
                        backup.backup(meta, this::referencesOnlyUploadedPacks, lastPublished);
                if (published.isPresent()) {
                    reportIfRolledBack(published.get().previousSequence(), "when publishing a snapshot");
                    meta.write(w -> {
                        w.setCounter(ROOT_SEQUENCE, published.get().sequence());
                        return null;
                    });
                }
                return published.isPresent();
            } catch (BackendException e) {
                if (e.kind() == BackendException.Kind.PERMANENT || attempt >= 20) {
                    throw new VolumeException("metadata backup failed: " + e.getMessage(), e);
                }
                log.warn("metadata backup failed ({}), retrying: {}", e.kind(), e.getMessage());
                sleeper.sleep(e.kind() == BackendException.Kind.RATE_LIMITED ? e.retryAfter() : backoff.delay(attempt, random));
            } catch (IOException | IntegrityException e) {
                throw new VolumeException("metadata backup failed: " + e.getMessage(), e);
            }
        }
    }

    /**
     * The backend's root record must never be older than the last one this machine published: an older
     * one was replayed or rolled back (by the storage provider or anyone with access to the chat).
     * Local state stays authoritative; this reports it loudly, and the next snapshot replaces it.
     */
    private void reportIfRolledBack(long current, String when) {
        long published = meta.read(r -> r.counter(ROOT_SEQUENCE));
        if (current < published) {
            metrics.integrityFailure();
            log.error("the backend's root record (snapshot #{}) is older than the last one this machine published (#{}), "
                    + "seen {}: it was replayed or rolled back", current, published, when);
        }
    }

    void checkRootAtOpen() {
        try {
            reportIfRolledBack(backup.currentSequence(), "at mount");
        } catch (BackendException | IntegrityException e) {
            log.warn("cannot read the backend's root record at mount ({}); uploads will retry", e.getMessage());
        }
    }

    /** A snapshot may be published only if every pack it mentions is on the backend. */
    private boolean referencesOnlyUploadedPacks(Path copy) {
        try (LmdbMetaStore snapshot = LmdbMetaStore.open(copy, mapSize)) {
            return snapshot.read(r -> r.packs(PackState.OPEN).isEmpty() && r.packs(PackState.SEALED).isEmpty());
        }
    }

}
