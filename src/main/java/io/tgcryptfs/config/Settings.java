package io.tgcryptfs.config;

import com.typesafe.config.Config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Typed settings, read once from Typesafe Config. Everything else takes values from here, never from
 * Config directly, so a mistyped key fails at start-up with the key's name.
 */
public record Settings(
        Config raw,
        Path stateDir,
        int blockSize,
        int kdfMemoryKiB,
        int kdfIterations,
        int kdfParallelism,
        int bandSize,
        long dirtyBudget,
        Duration dirtyExpiry,
        Duration dirtyMaxAge,
        long packTargetSize,
        boolean compress,
        long outboxMaxSize,
        long cacheMaxSize,
        long plaintextCacheSize,
        int uploadConcurrency,
        int uploadQueueSize,
        Duration retryMinBackoff,
        Duration retryMaxBackoff,
        double retryRandomFactor,
        int downloadConcurrency,
        long metadataMapSize,
        boolean metadataSyncEveryCommit,
        Duration metadataMaxUnbacked,
        double metadataCheckpointRatio,
        int metadataMaxDeltas,
        Duration retentionKeepWithin,
        int retentionKeepHourly,
        int retentionKeepDaily,
        boolean gcEnabled,
        Duration gcInterval,
        double gcMinLiveRatio,
        long gcMaxBytesPerPass,
        Duration askTimeout,
        Duration writeTimeout,
        Duration passivateAfter,
        int maxLiveActors,
        boolean jitWarmUp,
        long statfsCapacity,
        String backendType,
        Path localBackendDir,
        Fuse fuse,
        boolean metricsEnabled,
        int metricsPort) {

    /** The smallest pack: metadata segments are cut to the pack size and need at least 128 KiB. */
    static final long MIN_PACK_SIZE = 1 << 20;

    /** libfuse options. */
    public record Fuse(boolean allowOther, boolean defaultPermissions, double entryTimeout, double attrTimeout,
                       long readAheadBytes, int maxRequestBytes, boolean writebackCache, boolean debug,
                       List<String> extraOptions, Duration warmUp, boolean posixAcls) {
    }

    public static Settings from(Config config, Map<String, String> environment) {
        Config c = config.getConfig("tgcryptfs");
        Path stateDir = stateDir(c.getString("state-dir"), environment);
        int blockSize = intBytes(c, "volume.block-size");
        int bandSize = intBytes(c, "band.size");
        if (Integer.bitCount(blockSize) != 1 || blockSize < 4096) {
            throw new IllegalArgumentException("tgcryptfs.volume.block-size must be a power of two >= 4 KiB");
        }
        if (bandSize % blockSize != 0) {
            throw new IllegalArgumentException("tgcryptfs.band.size must be a multiple of tgcryptfs.volume.block-size");
        }
        String localDir = c.getString("backend.local.dir");
        String algorithm = c.getString("compression.algorithm");
        if (!algorithm.equals("lz4") && !algorithm.equals("none")) {
            throw new IllegalArgumentException("tgcryptfs.compression.algorithm must be lz4 or none, not " + algorithm);
        }
        Config f = c.getConfig("fuse");
        return new Settings(
                config,
                stateDir,
                blockSize,
                c.getInt("kdf.memory-kib"),
                c.getInt("kdf.iterations"),
                c.getInt("kdf.parallelism"),
                bandSize,
                c.getBytes("dirty.budget"),
                c.getDuration("dirty.expiry"),
                c.getDuration("dirty.max-age"),
                atLeast(c, "pack.target-size", MIN_PACK_SIZE),
                algorithm.equals("lz4"),
                c.getBytes("outbox.max-size"),
                c.getBytes("cache.max-size"),
                c.getBytes("cache.plaintext-size"),
                positive(c, "upload.concurrency"),
                positive(c, "upload.queue-size"),
                c.getDuration("upload.retry.min-backoff"),
                c.getDuration("upload.retry.max-backoff"),
                c.getDouble("upload.retry.random-factor"),
                positive(c, "download.concurrency"),
                c.getBytes("metadata.map-size"),
                c.getBoolean("metadata.sync-every-commit"),
                positiveDuration(c, "metadata.max-unbacked"),
                c.getDouble("metadata.checkpoint-ratio"),
                positive(c, "metadata.max-deltas"),
                c.getDuration("metadata.retention.keep-within"),
                nonNegative(c, "metadata.retention.keep-hourly"),
                nonNegative(c, "metadata.retention.keep-daily"),
                c.getBoolean("gc.enabled"),
                positiveDuration(c, "gc.interval"),
                fraction(c, "gc.min-live-ratio"),
                c.getBytes("gc.max-bytes-per-pass"),
                c.getDuration("engine.ask-timeout"),
                c.getDuration("engine.write-timeout"),
                c.getDuration("engine.passivate-after"),
                positive(c, "engine.max-live-actors"),
                c.getBoolean("engine.jit-warm-up"),
                c.getBytes("statfs.capacity"),
                c.getString("backend.type"),
                localDir.isEmpty() ? stateDir.resolve("backend") : Path.of(localDir),
                new Fuse(f.getBoolean("allow-other"), f.getBoolean("default-permissions"),
                        f.getDouble("entry-timeout"), f.getDouble("attr-timeout"), f.getBytes("read-ahead"),
                        maxRequest(f), f.getBoolean("writeback-cache"), f.getBoolean("debug"),
                        f.getStringList("extra-options"),
                        f.getDuration("warm-up"), f.getBoolean("posix-acls")),
                c.getBoolean("metrics.enabled"),
                c.getInt("metrics.port"));
    }

    private static int maxRequest(Config fuse) {
        long bytes = fuse.getBytes("max-request-size");
        if (bytes < 128 * 1024 || bytes > 1 << 20 || bytes % 4096 != 0) {
            throw new IllegalArgumentException(
                    "tgcryptfs.fuse.max-request-size must be a multiple of 4 KiB from 128 KiB to 1 MiB");
        }
        return (int) bytes;
    }

    public Path headerFile() {
        return stateDir.resolve("volume.header");
    }

    /** Sealed metadata-log segments waiting for upload. */
    public Path metalogDir() {
        return stateDir.resolve("metalog");
    }

    public Path metaDir() {
        return stateDir.resolve("meta");
    }

    public Path outboxDir() {
        return stateDir.resolve("outbox");
    }

    public Path cacheDir() {
        return stateDir.resolve("cache");
    }

    public Path controlSocket() {
        return stateDir.resolve("control.sock");
    }

    private static Path stateDir(String configured, Map<String, String> environment) {
        if (!configured.isEmpty()) {
            return Path.of(configured).toAbsolutePath();
        }
        String xdg = environment.get("XDG_DATA_HOME");
        if (xdg != null && !xdg.isEmpty()) {
            return Path.of(xdg, "tgcryptfs").toAbsolutePath();
        }
        return ConfigLoader.home(environment).resolve(".local").resolve("share").resolve("tgcryptfs");
    }

    private static int intBytes(Config c, String key) {
        long v = c.getBytes(key);
        if (v <= 0 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tgcryptfs." + key + " out of range: " + v);
        }
        return (int) v;
    }

    private static long atLeast(Config c, String key, long min) {
        long v = c.getBytes(key);
        if (v < min) {
            throw new IllegalArgumentException("tgcryptfs." + key + " must be at least " + min + " bytes, not " + v);
        }
        return v;
    }

    private static double fraction(Config c, String key) {
        double v = c.getDouble(key);
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException("tgcryptfs." + key + " must be between 0 and 1, not " + v);
        }
        return v;
    }

    private static int positive(Config c, String key) {
        int v = c.getInt(key);
        if (v <= 0) {
            throw new IllegalArgumentException("tgcryptfs." + key + " must be positive");
        }
        return v;
    }

    private static int nonNegative(Config c, String key) {
        int v = c.getInt(key);
        if (v < 0) {
            throw new IllegalArgumentException("tgcryptfs." + key + " must not be negative");
        }
        return v;
    }

    private static Duration positiveDuration(Config c, String key) {
        Duration d = c.getDuration(key);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("tgcryptfs." + key + " must be positive");
        }
        return d;
    }
}
