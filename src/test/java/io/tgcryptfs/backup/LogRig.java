package io.tgcryptfs.backup;

import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.crypto.KdfParams;
import io.tgcryptfs.crypto.NewVolume;
import io.tgcryptfs.crypto.VolumeKeys;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.lmdb.LmdbMetaStore;
import io.tgcryptfs.backend.Backoff;
import io.tgcryptfs.backend.Retry;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** One volume's metadata log against a backend, as the mount wires it, with sleeps recorded instead of slept. */
final class LogRig implements AutoCloseable {
    final SecureRandom random = new SecureRandom();
    final NewVolume volume;
    final VolumeKeys keys;
    final BlobStore backend;
    final List<Duration> sleeps = new ArrayList<>();
    final AtomicInteger sealRequests = new AtomicInteger();
    final AtomicInteger rollbacks = new AtomicInteger();
    final Retry retry;
    final long maxObjectBytes;
    final Retention retention;
    final Clock clock;
    MetaStore meta;
    PointCapture capture;
    PointPublisher publisher;

    LogRig(Path dir, BlobStore backend, long maxObjectBytes) {
        this(dir, backend, maxObjectBytes, new Retention(Duration.ZERO, 0, 0), Clock.systemUTC());
    }

    LogRig(Path dir, BlobStore backend, long maxObjectBytes, Retention retention, Clock clock) {
        this.retention = retention;
        this.clock = clock;
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        this.volume = VolumeKeys.create("pw".toCharArray(), 256 * 1024, new KdfParams(8192, 1, 1, salt), random);
        this.keys = volume.keys();
        this.backend = backend;
        this.maxObjectBytes = maxObjectBytes;
        this.retry = new Retry(new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), 0.2), sleeps::add, random, 8,
                (cause, e) -> { });
        open(dir);
    }

    /** (Re)opens the writer's side on the store in {@code dir}. */
    void open(Path dir) {
        meta = LmdbMetaStore.open(dir.resolve("meta"), 8L << 30);
        capture = new PointCapture(meta, dir.resolve("metalog"), keys.metadataCipher(), random, maxObjectBytes,
                clock, 1.0, 500, WriteBarrier.NONE);
        publisher = new PointPublisher(meta, backend, keys.metadataCipher(), volume.header().encode(), dir.resolve("metalog"),
                random, retry, sealRequests::incrementAndGet, rollbacks::incrementAndGet, retention, clock);
    }

    MetadataRestore restorer(Path scratch) {
        return new MetadataRestore(backend, keys.metadataCipher(), scratch, retry);
    }

    RootBody root() throws Exception {
        return RootRecord.readBody(backend.getRoot(), keys.metadataCipher()).orElseThrow();
    }

    /** Restores the newest point into a fresh store in {@code dir}/meta. */
    MetaStore restoreInto(Path dir) throws Exception {
        MetaStore target = LmdbMetaStore.open(dir.resolve("meta"), 8L << 30);
        restorer(dir.resolve("scratch")).restore(root(), target, p -> { });
        return target;
    }

    @Override
    public void close() {
        meta.close();
        keys.close();
    }
}
