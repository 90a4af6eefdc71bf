package io.tgcryptfs.metrics;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Kamon is one per JVM, so every behaviour here shares one running instance. */
class KamonMetricsTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static KamonMetrics metrics;
    private static final AtomicLong dirty = new AtomicLong(4096);
    private static final AtomicLong waited = new AtomicLong(7_000_000_000L);

    @BeforeAll
    static void start() throws IOException {
        Config config = ConfigFactory.parseString("tgcryptfs.metrics.tick-interval = 200ms");
        metrics = KamonMetrics.start(config, freePort());
        metrics.gauge("dirty-bytes", dirty::get);
        metrics.secondsTotal("write-wait", waited::get);
    }

    @AfterAll
    static void stop() {
        metrics.stop();
        metrics.stop();
    }

    @Test
    void recordedValues_appearOnTheScrapeEndpoint_underPrometheusNames() throws Exception {
        metrics.fuseCall("write", 1_500_000, null);
        metrics.fuseCall("getattr", 20_000, "ENOENT");
        metrics.uploaded(16 << 20);
        metrics.downloaded(1 << 20);
        metrics.retry("http_5xx");
        metrics.integrityFailure();
        metrics.chunkSealed(1 << 20, 700_000, false);
        metrics.chunkSealed(1 << 20, 0, true);
        metrics.plaintextCache(true);
        metrics.plaintextCache(false);

        String body = awaitScrape(List.of(
                "tgcryptfs_fuse_call_seconds_count{op=\"write\",failed=\"false\"} 1",
                "tgcryptfs_fuse_call_seconds_count{op=\"getattr\",failed=\"true\"} 1",
                "tgcryptfs_upload_bytes_total 16777216",
                "tgcryptfs_download_bytes_total 1048576",
                "tgcryptfs_retries_total{cause=\"http_5xx\"} 1",
                "tgcryptfs_integrity_failures_total 1",
                "tgcryptfs_chunks_sealed_total{dedup=\"true\"} 1",
                "tgcryptfs_chunks_sealed_total{dedup=\"false\"} 1",
                "tgcryptfs_plain_bytes_total 2097152",
                "tgcryptfs_stored_bytes_total 700000",
                "tgcryptfs_plaintext_cache_total{hit=\"true\"} 1",
                "tgcryptfs_plaintext_cache_total{hit=\"false\"} 1"));
        if (!body.contains("# TYPE tgcryptfs_fuse_call_seconds histogram")) {
            fail("fuse call latency is not a histogram:\n" + body);
        }
    }

    @Test
    void gauges_followTheirSupplier() throws Exception {
        awaitScrape(List.of("tgcryptfs_dirty_bytes 4096"));
        dirty.set(8192);
        awaitScrape(List.of("tgcryptfs_dirty_bytes 8192"));
    }

    @Test
    void startingTwice_isRefused() {
        assertThrows(IllegalStateException.class, () -> KamonMetrics.start(ConfigFactory.empty(), freePort()));
    }

    @Test
    void everyKnownSeries_existsFromTheStart_soAFirstBurstIsARise() throws Exception {
        List<String> expected = new java.util.ArrayList<>();
        for (String op : FuseOps.ALL) {
            expected.add("tgcryptfs_fuse_calls_total{op=\"" + op + "\",failed=\"false\"}");
            expected.add("tgcryptfs_fuse_calls_total{op=\"" + op + "\",failed=\"true\"}");
            for (String errno : ErrnoClasses.ALL) {
                expected.add("tgcryptfs_fuse_failures_total{op=\"" + op + "\",errno=\"" + errno + "\"}");
            }
        }
        for (String cause : RetryCauses.ALL) {
            expected.add("tgcryptfs_retries_total{cause=\"" + cause + "\"}");
        }
        String body = awaitScrape(List.of("tgcryptfs_retries_total{cause=\"not-found\"} 0",
                "tgcryptfs_fuse_failures_total{op=\"symlink\",errno=\"ENOSPC\"} 0"));
        List<String> series = body.lines().map(l -> l.substring(0, Math.max(0, l.lastIndexOf(' ')))).toList();
        List<String> missing = expected.stream().filter(e -> !series.contains(e)).toList();
        assertEquals(List.of(), missing, "series missing before their first event");
    }

    @Test
    void failedCalls_countByErrnoClass_andUnlistedErrnosCountAsOther() throws Exception {
        metrics.fuseCall("mkdir", 30_000, "EEXIST");
        metrics.fuseCall("mkdir", 30_000, "EEXIST");
        metrics.fuseCall("read", 30_000, "EINTR");
        awaitScrape(List.of(
                "tgcryptfs_fuse_failures_total{op=\"mkdir\",errno=\"EEXIST\"} 2",
                "tgcryptfs_fuse_failures_total{op=\"read\",errno=\"other\"} 1",
                "tgcryptfs_fuse_calls_total{op=\"mkdir\",failed=\"true\"} 2",
                "tgcryptfs_fuse_call_seconds_count{op=\"mkdir\",failed=\"true\"} 2"));
    }

    @Test
    void secondsTotals_followTheirNanosecondTotal() throws Exception {
        awaitScrape(List.of("tgcryptfs_write_wait_seconds_total 0"));
        waited.addAndGet(1_500_000_000L);
        awaitScrape(List.of("tgcryptfs_write_wait_seconds_total 1.5"));
    }

    @Test
    void jvmAndProcessMetrics_areExported() throws Exception {
        assertTrue(ProcessGauges.residentBytes() > 1 << 20, "resident memory of a JVM");
        assertTrue(ProcessGauges.openFds() > 2, "a JVM has more than stdin, stdout and stderr open");
        List<String> names = List.of("jvm_threads_total", "jvm_memory_used_bytes", "tgcryptfs_jvm_heap_used_bytes",
                "tgcryptfs_process_resident_bytes", "tgcryptfs_process_open_fds", "tgcryptfs_process_cpu_seconds_total",
                "tgcryptfs_jvm_gc_seconds_total");
        // Kamon's JVM module collects on its own schedule: the first scrapes may come before its first round
        String body = awaitScrapeWhere(b -> names.stream().allMatch(n -> b.lines().anyMatch(l -> l.startsWith(n))));
        for (String name : names) {
            if (body.lines().noneMatch(l -> l.startsWith(name))) {
                fail(name + " is missing:\n" + body);
            }
        }
    }

    @Test
    void aTakenPort_isAWarning_notAFailure() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            List<String> warnings = new java.util.ArrayList<>();
            var started = KamonMetrics.startOrWarn(ConfigFactory.empty(), taken.getLocalPort(), warnings::add);
            assertEquals(java.util.Optional.empty(), started);
            assertEquals(1, warnings.size());
            if (!warnings.get(0).contains("127.0.0.1:" + taken.getLocalPort()) || !warnings.get(0).contains("without metrics")) {
                fail("the warning does not say which port and what happens: " + warnings.get(0));
            }
        }
    }

    @Test
    void endpoint_namesTheScrapeUrl() {
        assertEquals("http://127.0.0.1:" + metrics.port() + "/metrics", metrics.endpoint());
    }

    /** Scrapes until every expected line is present (Kamon publishes on its tick), or fails at the deadline. */
    private static String awaitScrape(List<String> expectedLines) throws Exception {
        java.util.function.Predicate<String> shows =
                body -> body.lines().map(l -> l.replaceAll("\\.0$", "")).toList().containsAll(expectedLines);
        String body = awaitScrapeWhere(shows);
        if (!shows.test(body)) {
            fail("scrape never showed " + expectedLines + "; last answer:\n" + body);
        }
        return body;
    }

    /** The first scrape whose body passes {@code done}, or the last one when none did before the deadline. */
    private static String awaitScrapeWhere(java.util.function.Predicate<String> done) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(metrics.endpoint()))
                .timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        String last = "(no answer yet)";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    last = response.body();
                    if (done.test(last)) {
                        return last;
                    }
                }
            } catch (IOException e) {
                last = "(" + e + ")";
            }
            Thread.onSpinWait();
            Thread.sleep(50);
        }
        return last;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
