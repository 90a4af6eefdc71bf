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
import static org.junit.jupiter.api.Assertions.fail;

/** Kamon is one per JVM, so every behaviour here shares one running instance. */
class KamonMetricsTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static KamonMetrics metrics;
    private static final AtomicLong dirty = new AtomicLong(4096);

    @BeforeAll
    static void start() throws IOException {
        Config config = ConfigFactory.parseString("tgcryptfs.metrics.tick-interval = 200ms");
        metrics = KamonMetrics.start(config, freePort());
        metrics.gauge("dirty-bytes", dirty::get);
    }

    @AfterAll
    static void stop() {
        metrics.stop();
        metrics.stop();
    }

    @Test
    void recordedValues_appearOnTheScrapeEndpoint_underPrometheusNames() throws Exception {
        metrics.fuseCall("write", 1_500_000, false);
        metrics.fuseCall("getattr", 20_000, true);
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
        assertThrows(IllegalStateException.class, () -> KamonMetrics.start(ConfigFactory.empty(), metrics.port()));
    }

    @Test
    void endpoint_namesTheScrapeUrl() {
        assertEquals("http://127.0.0.1:" + metrics.port() + "/metrics", metrics.endpoint());
    }

    /** Scrapes until every expected line is present (Kamon publishes on its tick), or fails at the deadline. */
    private static String awaitScrape(List<String> expectedLines) throws Exception {
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
                    List<String> lines = last.lines().map(l -> l.replaceAll("\\.0$", "")).toList();
                    if (lines.containsAll(expectedLines)) {
                        return last;
                    }
                }
            } catch (IOException e) {
                last = "(" + e + ")";
            }
            Thread.onSpinWait();
            Thread.sleep(50);
        }
        fail("scrape never showed " + expectedLines + "; last answer:\n" + last);
        return last;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
