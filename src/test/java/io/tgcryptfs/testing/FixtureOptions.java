package io.tgcryptfs.testing;

import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.backend.Sleeper;

import java.time.Duration;

/** Small sizes so multi-block, multi-band and multi-pack cases stay cheap. Fluent, mutable. */
public final class FixtureOptions {
    public int blockSize = 4096;
    public int bandSize = 16384;
    public long packTargetSize = 64 * 1024;
    public long outboxMaxBytes = 64L << 20;
    public long cacheMaxBytes = 64L << 20;
    public long plaintextCacheBytes = 1L << 20;
    public long dirtyBudgetBytes = 1L << 20;
    /** The write journal's room for records numbered by fsyncs under way. */
    public long journalRecordBytes = 64L << 20;
    public java.time.Clock clock = java.time.Clock.systemUTC();
    public Duration dirtyExpiry = Duration.ofSeconds(5);
    /** Defaults to the expiry itself: tests that set a short expiry expect blocks sealed after it, written or not. */
    public Duration dirtyMaxAge = Duration.ZERO;
    public Duration passivateAfter = Duration.ofSeconds(30);
    /** As engine.max-live-actors. */
    public int maxLiveActors = 10000;
    public Duration askTimeout = Duration.ofSeconds(20);
    public boolean compress = true;
    public boolean uploads = true;
    public int uploadConcurrency = 2;
    public long statfsCapacity = 1L << 30;
    /** null: a {@link FakeBlobStore}. */
    public BlobStore backend;
    /** null: a {@link RecordingSleeper}. */
    public Sleeper sleeper;
    /** The engine's monotonic clock (when blocks are cold, actors idle). */
    public java.util.function.LongSupplier nanoTime = System::nanoTime;
    /** What the pack cache and chunk store report to. */
    public io.tgcryptfs.metrics.Metrics metrics = io.tgcryptfs.metrics.Metrics.NONE;
    /** The write journal's segment size. */
    public long journalSegmentBytes = 1 << 20;

    public static FixtureOptions defaults() {
        return new FixtureOptions();
    }

    public FixtureOptions blockSize(int v) {
        blockSize = v;
        return this;
    }

    public FixtureOptions bandSize(int v) {
        bandSize = v;
        return this;
    }

    public FixtureOptions packTargetSize(long v) {
        packTargetSize = v;
        return this;
    }

    public FixtureOptions outboxMaxBytes(long v) {
        outboxMaxBytes = v;
        return this;
    }

    public FixtureOptions cacheMaxBytes(long v) {
        cacheMaxBytes = v;
        return this;
    }

    public FixtureOptions plaintextCacheBytes(long v) {
        plaintextCacheBytes = v;
        return this;
    }

    public FixtureOptions dirtyBudgetBytes(long v) {
        dirtyBudgetBytes = v;
        return this;
    }

    public FixtureOptions clock(java.time.Clock v) {
        clock = v;
        return this;
    }

    public FixtureOptions journalRecordBytes(long v) {
        journalRecordBytes = v;
        return this;
    }

    public FixtureOptions dirtyExpiry(Duration v) {
        dirtyExpiry = v;
        return this;
    }

    public FixtureOptions passivateAfter(Duration v) {
        passivateAfter = v;
        return this;
    }

    public FixtureOptions maxLiveActors(int v) {
        maxLiveActors = v;
        return this;
    }

    public FixtureOptions askTimeout(Duration v) {
        askTimeout = v;
        return this;
    }

    public FixtureOptions compress(boolean v) {
        compress = v;
        return this;
    }

    public FixtureOptions uploads(boolean v) {
        uploads = v;
        return this;
    }

    public FixtureOptions backend(BlobStore v) {
        backend = v;
        return this;
    }

    public FixtureOptions sleeper(Sleeper v) {
        sleeper = v;
        return this;
    }

    public FixtureOptions nanoTime(java.util.function.LongSupplier v) {
        nanoTime = v;
        return this;
    }

    public FixtureOptions metrics(io.tgcryptfs.metrics.Metrics v) {
        metrics = v;
        return this;
    }

    public FixtureOptions journalSegmentBytes(long v) {
        journalSegmentBytes = v;
        return this;
    }
}
