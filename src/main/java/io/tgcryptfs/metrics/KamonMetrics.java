package io.tgcryptfs.metrics;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import kamon.Kamon;
import kamon.metric.Counter;
import kamon.metric.Gauge;
import kamon.metric.MeasurementUnit;
import kamon.metric.Timer;
import scala.jdk.javaapi.FutureConverters;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * {@link Metrics} backed by Kamon, exposed for Prometheus by Kamon's embedded scrape endpoint
 * ({@code http://HOST:PORT/metrics}). The only class that imports kamon.
 *
 * <p>Prometheus names (Kamon appends the unit and {@code _total} for counters):
 * <ul>
 *   <li>{@code tgcryptfs_fuse_calls_total} labels {@code op}, {@code failed}; {@code tgcryptfs_fuse_call_seconds}
 *       histogram with the same labels (latency; a histogram appears only once it holds a value)</li>
 *   <li>{@code tgcryptfs_fuse_failures_total} labels {@code op}, {@code errno} (a class from a fixed set)</li>
 *   <li>{@code tgcryptfs_upload_bytes_total}, {@code tgcryptfs_download_bytes_total}</li>
 *   <li>{@code tgcryptfs_retries_total} label {@code cause}; {@code tgcryptfs_integrity_failures_total}</li>
 *   <li>{@code tgcryptfs_chunks_sealed_total} label {@code dedup}; {@code tgcryptfs_plain_bytes_total},
 *       {@code tgcryptfs_stored_bytes_total}</li>
 *   <li>{@code tgcryptfs_plaintext_cache_total} label {@code hit}</li>
 *   <li>one gauge {@code tgcryptfs_<name>} per {@link #gauge} call ({@code -} becomes {@code _}), one counter
 *       {@code tgcryptfs_<name>_seconds_total} per {@link #secondsTotal} call</li>
 *   <li>{@link ProcessGauges}, and Kamon's JVM metrics ({@code jvm_*}); Kamon's host metrics stay off, since
 *       they would stat every mounted file system, this one included</li>
 * </ul>
 *
 * <p>Every series of a known label value (each FUSE op with and without failure, each errno class, each
 * retry cause) exists at zero from the start: Prometheus's {@code rate()} only sees a rise between two
 * samples, so a series born with its first burst would show that burst as nothing.
 *
 * <p>Kamon is a process-wide singleton, so at most one instance runs at a time.
 */
public final class KamonMetrics implements Metrics, AutoCloseable {
    private static final AtomicBoolean RUNNING = new AtomicBoolean();
    private static final Duration DEFAULT_TICK = Duration.ofSeconds(10);
    private static final Duration MAX_GAUGE_REFRESH = Duration.ofSeconds(1);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    /** Histogram bucket bounds in seconds for {@code tgcryptfs_fuse_call_seconds}. */
    private static final String FUSE_CALL_BUCKETS =
            "[0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120]";

    private final String host;
    private final int port;
    private final Duration gaugeRefresh;
    private final AtomicBoolean stopped = new AtomicBoolean();

    private final Map<String, Timer> fuseLatencies = new ConcurrentHashMap<>();
    private final Map<String, Counter> fuseCalls = new ConcurrentHashMap<>();
    private final Map<String, Counter> fuseFailures = new ConcurrentHashMap<>();
    private final Map<String, Counter> retries = new ConcurrentHashMap<>();
    private final List<Gauge> gauges = new CopyOnWriteArrayList<>();
    private final List<Counter> followers = new CopyOnWriteArrayList<>();
    private final Counter uploadBytes;
    private final Counter downloadBytes;
    private final Counter integrityFailures;
    private final Counter chunksSealedNew;
    private final Counter chunksSealedDedup;
    private final Counter plainBytes;
    private final Counter storedBytes;
    private final Counter cacheHit;
    private final Counter cacheMiss;

    private KamonMetrics(String host, int port, Duration tick) {
        this.host = host;
        this.port = port;
        this.gaugeRefresh = tick.compareTo(MAX_GAUGE_REFRESH) < 0 ? tick : MAX_GAUGE_REFRESH;
        uploadBytes = Kamon.counter("tgcryptfs_upload_bytes", "Bytes of packs uploaded to the backend").withoutTags();
        downloadBytes = Kamon.counter("tgcryptfs_download_bytes", "Bytes of packs downloaded from the backend")
                .withoutTags();
        integrityFailures = Kamon.counter("tgcryptfs_integrity_failures",
                "Ciphertexts that failed authentication (served as EIO, never as data)").withoutTags();
        var sealed = Kamon.counter("tgcryptfs_chunks_sealed", "Blocks sealed into chunks; dedup=true stored nothing new");
        chunksSealedNew = sealed.withTag("dedup", false);
        chunksSealedDedup = sealed.withTag("dedup", true);
        plainBytes = Kamon.counter("tgcryptfs_plain_bytes", "Plaintext bytes of sealed blocks").withoutTags();
        storedBytes = Kamon.counter("tgcryptfs_stored_bytes", "Bytes appended to packs after dedup, compression, AEAD")
                .withoutTags();
        var cache = Kamon.counter("tgcryptfs_plaintext_cache", "Lookups in the in-memory plaintext block cache");
        cacheHit = cache.withTag("hit", true);
        cacheMiss = cache.withTag("hit", false);
        for (String op : FuseOps.ALL) {
            fuseCallCounter(op, false);
            fuseCallCounter(op, true);
            for (String errno : ErrnoClasses.ALL) {
                fuseFailureCounter(op, errno);
            }
        }
        RetryCauses.ALL.forEach(this::retryCounter);
        ProcessGauges.register(this);
    }

    /**
     * Starts metrics as a mount wants them: when the port is taken (another mount, another program),
     * {@code warn} is told so and nothing starts; the mount runs on without metrics.
     */
    public static Optional<KamonMetrics> startOrWarn(Config config, int port, Consumer<String> warn) {
        try {
            return Optional.of(start(config, port));
        } catch (PortTakenException e) {
            warn.accept("warning: " + e.getMessage() + "; running without metrics (set tgcryptfs.metrics.port to a"
                    + " free port, or tgcryptfs.metrics.enabled = false)");
            return Optional.empty();
        }
    }

    /**
     * Starts Kamon with the Prometheus reporter listening on {@code port}.
     *
     * <p>Optional keys read from {@code config}: {@code tgcryptfs.metrics.host} (bind address, default
     * {@code 127.0.0.1}) and {@code tgcryptfs.metrics.tick-interval} (how often Kamon snapshots metrics for
     * the scrape endpoint, default 10s). Any {@code kamon.*} keys in {@code config} apply as well.
     *
     * @throws PortTakenException if the port is taken
     * @throws IllegalStateException if metrics are already running in this JVM
     */
    public static KamonMetrics start(Config config, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("metrics port out of range: " + port);
        }
        String host = optionalString(config, "tgcryptfs.metrics.host", "127.0.0.1");
        Duration tick = config.hasPath("tgcryptfs.metrics.tick-interval")
                ? config.getDuration("tgcryptfs.metrics.tick-interval")
                : DEFAULT_TICK;
        if (tick.isZero() || tick.isNegative()) {
            throw new IllegalArgumentException("tgcryptfs.metrics.tick-interval must be positive");
        }
        ensurePortFree(host, port);
        if (!RUNNING.compareAndSet(false, true)) {
            throw new IllegalStateException("metrics are already running in this process");
        }
        try {
            Config kamon = ConfigFactory.empty()
                    .withValue("kamon.init.hide-banner", ConfigValueFactory.fromAnyRef(true))
                    .withValue("kamon.init.attach-instrumentation", ConfigValueFactory.fromAnyRef(false))
                    .withValue("kamon.environment.service", ConfigValueFactory.fromAnyRef("tgcryptfs"))
                    .withValue("kamon.metric.tick-interval", ConfigValueFactory.fromAnyRef(tick.toMillis() + "ms"))
                    .withValue("kamon.prometheus.start-embedded-http-server", ConfigValueFactory.fromAnyRef(true))
                    .withValue("kamon.prometheus.embedded-server.hostname", ConfigValueFactory.fromAnyRef(host))
                    .withValue("kamon.prometheus.embedded-server.port", ConfigValueFactory.fromAnyRef(port))
                    .withValue("kamon.prometheus.embedded-server.metrics-path",
                            ConfigValueFactory.fromAnyRef("/metrics"))
                    .withValue("kamon.modules.host-metrics.enabled", ConfigValueFactory.fromAnyRef(false))
                    .withValue("kamon.modules.process-metrics.enabled", ConfigValueFactory.fromAnyRef(false))
                    .withValue("kamon.modules.jvm-metrics.interval", ConfigValueFactory.fromAnyRef(tick.toMillis() + "ms"));
            // FUSE calls take microseconds to seconds; Kamon's default time buckets start at 5 ms.
            Config defaults = ConfigFactory.parseString("kamon.prometheus.buckets.custom {\n"
                    + "  tgcryptfs_fuse_call = " + FUSE_CALL_BUCKETS + "\n}");
            Kamon.initWithoutAttaching(kamon.withFallback(config).withFallback(defaults)
                    .withFallback(ConfigFactory.defaultReference()).resolve());
            return new KamonMetrics(host, port, tick);
        } catch (RuntimeException e) {
            RUNNING.set(false);
            throw e;
        }
    }

    /** The scrape address, e.g. {@code http://127.0.0.1:9095/metrics}. */
    public String endpoint() {
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/metrics";
    }

    public int port() {
        return port;
    }

    /** Stops the reporter and its HTTP server; waits up to 10 s. Safe to call twice. */
    public void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        try {
            for (Gauge g : gauges) {
                g.remove();
            }
            for (Counter c : followers) {
                c.remove();
            }
            FutureConverters.asJava(Kamon.stop()).toCompletableFuture()
                    .get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // Stopping is best effort; the process is usually exiting.
        } finally {
            RUNNING.set(false);
        }
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public void fuseCall(String op, long nanos, String errno) {
        boolean failed = errno != null;
        fuseCallCounter(op, failed).increment();
        fuseTimer(op, failed).record(Math.max(0, nanos));
        if (failed) {
            fuseFailureCounter(op, ErrnoClasses.of(errno)).increment();
        }
    }

    @Override
    public void uploaded(long bytes) {
        add(uploadBytes, bytes);
    }

    @Override
    public void downloaded(long bytes) {
        add(downloadBytes, bytes);
    }

    @Override
    public void retry(String cause) {
        retryCounter(cause).increment();
    }

    @Override
    public void integrityFailure() {
        integrityFailures.increment();
    }

    @Override
    public void chunkSealed(long plainBytes, long storedBytes, boolean deduplicated) {
        (deduplicated ? chunksSealedDedup : chunksSealedNew).increment();
        add(this.plainBytes, plainBytes);
        add(this.storedBytes, storedBytes);
    }

    @Override
    public void plaintextCache(boolean hit) {
        (hit ? cacheHit : cacheMiss).increment();
    }

    /**
     * Registers a gauge {@code tgcryptfs_<name>} read from {@code value} about once a second (at most once per
     * tick). The supplier must be cheap and must not block.
     */
    @Override
    public void gauge(String name, LongSupplier value) {
        Gauge g = Kamon.gauge(metricName(name)).withoutTags();
        g.update(value.getAsLong());
        Consumer<Gauge> refresh = x -> x.update(value.getAsLong());
        gauges.add(g.autoUpdate(refresh, gaugeRefresh));
    }

    @Override
    public void secondsTotal(String name, LongSupplier nanos) {
        Counter c = Kamon.counter(metricName(name), MeasurementUnit.time().nanoseconds()).withoutTags();
        AtomicLong reported = new AtomicLong(nanos.getAsLong());
        // the total is kept elsewhere; the counter adds what it grew by since the last look
        followers.add(c.autoUpdate(x -> {
            long now = nanos.getAsLong();
            add(x, now - reported.getAndSet(now));
        }, gaugeRefresh));
    }

    private Timer fuseTimer(String op, boolean failed) {
        return fuseLatencies.computeIfAbsent(failed ? op + "\u0000f" : op,
                k -> Kamon.timer("tgcryptfs_fuse_call", "Latency of FUSE callbacks").withTag("op", op).withTag("failed", failed));
    }

    private Counter fuseCallCounter(String op, boolean failed) {
        return fuseCalls.computeIfAbsent(failed ? op + "\u0000f" : op,
                k -> Kamon.counter("tgcryptfs_fuse_calls", "FUSE callbacks").withTag("op", op).withTag("failed", failed));
    }

    private Counter fuseFailureCounter(String op, String errnoClass) {
        return fuseFailures.computeIfAbsent(op + "\u0000" + errnoClass,
                k -> Kamon.counter("tgcryptfs_fuse_failures", "Failed FUSE callbacks by errno class")
                        .withTag("op", op).withTag("errno", errnoClass));
    }

    private Counter retryCounter(String cause) {
        return retries.computeIfAbsent(cause, c -> Kamon.counter("tgcryptfs_retries", "Backend operations retried, by cause")
                .withTag("cause", c));
    }

    private static String metricName(String name) {
        return "tgcryptfs_" + name.replaceAll("[^A-Za-z0-9_]", "_");
    }

    private static void add(Counter counter, long n) {
        if (n > 0) {
            counter.increment(n);
        }
    }

    private static String optionalString(Config config, String key, String fallback) {
        if (!config.hasPath(key)) {
            return fallback;
        }
        String v = config.getString(key);
        return v.isBlank() ? fallback : v;
    }

    /** Kamon logs and carries on when its server cannot bind; say so here instead. */
    private static void ensurePortFree(String host, int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        } catch (IOException e) {
            throw new PortTakenException("metrics port " + host + ":" + port + " is not available: " + e.getMessage(), e);
        }
    }

    /** The scrape endpoint's port is in use. */
    public static final class PortTakenException extends IllegalStateException {
        PortTakenException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
