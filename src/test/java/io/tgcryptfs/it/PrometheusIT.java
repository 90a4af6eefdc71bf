package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoublePredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's Prometheus scrapes a mount under load with the shipped {@code ops/prometheus/prometheus.yml}
 * (target and intervals adjusted), and every expression of {@code ops/grafana/tgcryptfs-dashboard.json}
 * returns data through Prometheus's query API. The first burst of an operation must be visible to
 * {@code increase()}: its series exists at zero before the burst. A second mount on the taken metrics
 * port comes up anyway, with a warning.
 *
 * <p>Leaves the main panels' data of the run in {@code target/prometheus-panels/} for
 * {@code ops/prometheus/plot-panels.sh}, which draws {@code docs/dashboard-panels.png}.
 *
 * <p>Skipped only when prometheus is not installed and CI is not set; on CI it must run
 * ({@code scripts/setup-debian.sh} installs it).
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PrometheusIT {
    static final Path DASHBOARD = Path.of("ops/grafana/tgcryptfs-dashboard.json");
    static final Path PANEL_DATA = Path.of("target/prometheus-panels");
    static final Duration DEADLINE = Duration.ofSeconds(30);
    static final int DELETES = 300;
    static final long BURST_BYTES = 12 << 20;
    static final String UNLINKS = "tgcryptfs_fuse_calls_total{op=\"unlink\",failed=\"false\"}";
    /** Grafana's variables as a dashboard over the last few minutes would fill them in. */
    static final Map<String, String> GRAFANA_VARIABLES = Map.of(
            "$__rate_interval", "15s", "$__interval", "5s", "$__range", "5m", "$instance", ".*");

    static final int METRICS_PORT = PrometheusServer.freePort();
    static final MountFixture fs = new MountFixture()
            .withProperty("metrics.port", Integer.toString(METRICS_PORT))
            .withProperty("metrics.tick-interval", "1s")
            // small packs and a slow uplink: uploads happen, and the outbox fills and drains, within the test
            .withProperty("pack.target-size", "1MiB")
            .withProperty("backend.local.upload-bytes-per-second", "4MiB")
            .withProperty("metadata.max-unbacked", "10s");
    static PrometheusServer prometheus;

    @BeforeAll
    static void mountAndScrape() throws IOException {
        MountFixture.assumeNotBaseline();
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        Assumptions.assumeTrue(PrometheusServer.binary().isPresent() || ci,
                "prometheus is not installed (scripts/setup-debian.sh installs it); on CI this test must run");
        if (PrometheusServer.binary().isEmpty()) {
            fail("CI is set but prometheus is not installed: run scripts/setup-debian.sh");
        }
        fs.start();
        prometheus = new PrometheusServer(Files.createDirectories(fs.workDir().resolve("prometheus"))).start(METRICS_PORT);
    }

    @AfterAll
    static void stop() {
        if (prometheus != null) {
            prometheus.close();
        }
        fs.close();
    }

    @Test
    void aScrapedMountUnderLoad_answersEveryDashboardExpression_andShowsTheFirstBurst() throws Exception {
        awaitValue("two scrapes of the unlink counter at zero, before any unlink",
                "count_over_time(" + UNLINKS + "[1m]) and " + UNLINKS + " == 0", v -> v >= 2);

        long loadStart = System.currentTimeMillis();
        Path dir = fs.newDir("load");
        burst(dir, 0);
        awaitValue("the first burst of " + DELETES + " unlinks in increase()",
                "increase(" + UNLINKS + "[1m])", v -> v >= DELETES);
        awaitValue("reads in rate()", "sum(rate(tgcryptfs_fuse_calls_total{op=\"read\",failed=\"false\"}[1m]))", v -> v > 0);
        awaitValue("failed lookups counted as ENOENT",
                "sum(increase(tgcryptfs_fuse_failures_total{errno=\"ENOENT\"}[1m]))", v -> v >= 20);
        awaitValue("uploads", "sum(tgcryptfs_upload_bytes_total)", v -> v > 0);
        awaitDrained(0);
        // two more bursts, each drained: what the outbox panels are for
        burst(dir, 1);
        awaitDrained(1);
        burst(dir, 2);
        awaitDrained(2);

        List<String> expressions = dashboardExpressions();
        assertTrue(expressions.size() >= 30, "the dashboard's expressions were not found: " + expressions);
        List<String> empty = awaitEveryExpressionAnswered(expressions);
        assertEquals(List.of(), empty, "dashboard expressions without data\n" + fs.logTail());

        savePanelData(Duration.ofMillis(System.currentTimeMillis() - loadStart).plusSeconds(5));
    }

    /**
     * Writes 12 MiB (a third of it one repeated MiB, which dedups and compresses), an fsync, reads it back, creates and deletes
     * {@value #DELETES} files, and fails lookups of names and xattrs that do not exist.
     */
    private static void burst(Path dir, int round) {
        fs.python("""
                d = args[0]
                r = args[1]
                n = int(args[2])
                for i in range(12):
                    with open(f"{d}/file{r}-{i}", "wb") as f:
                        f.write(os.urandom(1 << 20) if i % 3 else hashlib.sha256(b"same").digest() * (1 << 15))
                        if i == 0:
                            os.fsync(f.fileno())
                for i in range(12):
                    with open(f"{d}/file{r}-{i}", "rb") as f:
                        f.read()
                for i in range(n):
                    open(f"{d}/small{r}-{i}", "wb").close()
                for i in range(n):
                    os.unlink(f"{d}/small{r}-{i}")
                for i in range(20):
                    try:
                        os.stat(f"{d}/missing{r}-{i}")
                    except FileNotFoundError:
                        pass
                    try:
                        os.getxattr(f"{d}/file{r}-1", "user.absent")
                    except OSError:
                        pass
                """, dir.toString(), Integer.toString(round), Integer.toString(DELETES)).assertOk();
    }

    /** Waits for a sample in which every block of bursts 0..round is sealed and the outbox is empty again. */
    private static void awaitDrained(int round) {
        // sealing trims a block's trailing zeros, and a random block ends in a zero byte one time in 256
        long sealed = (round + 1L) * BURST_BYTES * 99 / 100;
        awaitValue("burst " + round + " sealed and uploaded", "sum(tgcryptfs_plain_bytes_total) >= " + sealed
                + " and sum(tgcryptfs_outbox_bytes) + sum(tgcryptfs_outbox_packs) == 0", v -> true);
    }

    @Test
    void aSecondMountOnATakenMetricsPort_comesUpWithAWarning() throws Exception {
        try (MountFixture second = new MountFixture().withProperty("metrics.port", Integer.toString(METRICS_PORT))) {
            second.start();
            Files.writeString(second.root().resolve("works"), "yes");
            assertEquals("yes", Files.readString(second.root().resolve("works")));
            assertTrue(second.log().contains("warning: metrics port 127.0.0.1:" + METRICS_PORT + " is not available")
                    && second.log().contains("running without metrics"), "no warning about the taken port\n" + second.log());
        }
    }

    /** Every {@code expr} of a panel target and every {@code label_values} query of a variable, with Grafana's variables filled in. */
    static List<String> dashboardExpressions() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        List<String> exprs = new ArrayList<>();
        collectTargets(dashboard.path("panels"), exprs);
        Pattern labelValues = Pattern.compile("label_values\\((.+),\\s*(\\w+)\\)");
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            Matcher m = labelValues.matcher(variable.path("definition").asText());
            if (m.matches()) {
                exprs.add("count by (" + m.group(2) + ") (" + m.group(1) + ")");
            }
        }
        return exprs.stream().map(PrometheusIT::fillIn).toList();
    }

    private static void collectTargets(JsonNode panels, List<String> exprs) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                if (target.hasNonNull("expr")) {
                    exprs.add(target.get("expr").asText());
                }
            }
            collectTargets(panel.path("panels"), exprs);
        }
    }

    private static String fillIn(String expr) {
        String filled = expr;
        for (Map.Entry<String, String> v : GRAFANA_VARIABLES.entrySet()) {
            filled = filled.replace(v.getKey(), v.getValue());
        }
        return filled;
    }

    /** Queries until every expression returns at least one sample; returns those that never did by the deadline. */
    private static List<String> awaitEveryExpressionAnswered(List<String> expressions) {
        long end = System.nanoTime() + DEADLINE.toNanos();
        List<String> empty = new ArrayList<>(expressions);
        while (true) {
            empty.removeIf(e -> !prometheus.query(e).isEmpty());
            if (empty.isEmpty() || System.nanoTime() > end) {
                return empty;
            }
            pause();
        }
    }

    private static void awaitValue(String what, String expr, DoublePredicate ok) {
        long end = System.nanoTime() + DEADLINE.toNanos();
        double last = Double.NaN;
        while (true) {
            last = prometheus.scalar(expr);
            if (!Double.isNaN(last) && ok.test(last)) {
                return;
            }
            if (System.nanoTime() > end) {
                fail("timed out after " + DEADLINE + " waiting for " + what + ": " + expr + " = " + last
                        + "\n" + prometheus.query("{__name__=~\"tgcryptfs_(outbox|plain|upload|stored).*\"}")
                        + "\n" + SambaServer.read(prometheus.log()) + fs.logTail());
            }
            pause();
        }
    }

    /**
     * The main panels over the last {@code span}, one file per panel: blocks of one series each, a header line
     * ({@code seconds <series name>}) then seconds from the start and the value, tab-separated.
     */
    private static void savePanelData(Duration span) throws IOException {
        Files.createDirectories(PANEL_DATA);
        // where PrometheusServer.queryRange starts
        long start = System.currentTimeMillis() / 1000 + 1 - span.toSeconds();
        Map<String, String> panels = new LinkedHashMap<>();
        panels.put("fuse-calls", "sum by (op) (rate(tgcryptfs_fuse_calls_total{op=~\"write|read|create|unlink|getattr\"}[5s]))");
        panels.put("throughput", "sum(rate(tgcryptfs_upload_bytes_total[5s])) / 1048576");
        panels.put("backlog", "sum(tgcryptfs_outbox_bytes) / 1048576");
        panels.put("outbox-packs", "sum(tgcryptfs_outbox_packs)");
        panels.put("restore-point-age", "max(tgcryptfs_metadata_backup_age_seconds)");
        panels.put("drain-eta", "sum(tgcryptfs_outbox_bytes) / sum(rate(tgcryptfs_upload_bytes_total[15s]))");
        panels.put("memory", "sum(tgcryptfs_process_resident_bytes) / 1048576");
        for (Map.Entry<String, String> panel : panels.entrySet()) {
            JsonNode series = prometheus.queryRange(panel.getValue(), span, Duration.ofSeconds(1));
            StringBuilder tsv = new StringBuilder();
            for (JsonNode s : series) {
                tsv.append("seconds\t").append(s.path("metric").path("op").asText(panel.getKey())).append('\n');
                for (JsonNode point : s.path("values")) {
                    tsv.append(point.get(0).asLong() - start).append('\t').append(point.get(1).asText()).append('\n');
                }
                tsv.append("\n\n");
            }
            Files.writeString(PANEL_DATA.resolve(panel.getKey() + ".tsv"), tsv);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(250);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
