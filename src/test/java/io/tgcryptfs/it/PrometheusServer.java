package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Debian's Prometheus, run in the foreground on 127.0.0.1 and a free high port with its database in a
 * private directory: the package's own service and data are never touched. Its configuration is the
 * shipped {@code ops/prometheus/prometheus.yml} with the target moved to the mount's metrics port and
 * every interval shortened to one second.
 */
final class PrometheusServer implements AutoCloseable {
    static final Path SHIPPED_CONFIG = Path.of("ops/prometheus/prometheus.yml");
    private static final List<Path> BINARIES = List.of(Path.of("/usr/bin/prometheus"), Path.of("/usr/local/bin/prometheus"));
    private static final String SHIPPED_TARGET = "127.0.0.1:9095";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process prometheus;

    PrometheusServer(Path dir) {
        this.dir = dir;
        this.port = freePort();
    }

    static Optional<Path> binary() {
        return BINARIES.stream().filter(Files::isExecutable).findFirst();
    }

    /** Starts scraping {@code 127.0.0.1:metricsPort} every second; returns once Prometheus says it is ready. */
    PrometheusServer start(int metricsPort) {
        try {
            String shipped = Files.readString(SHIPPED_CONFIG);
            if (!shipped.contains(SHIPPED_TARGET)) {
                fail(SHIPPED_CONFIG + " no longer scrapes " + SHIPPED_TARGET + ", the default metrics endpoint");
            }
            String config = shipped.replace(SHIPPED_TARGET, "127.0.0.1:" + metricsPort)
                    .replaceAll("(scrape_interval|evaluation_interval|scrape_timeout): \\d+s", "$1: 1s");
            Files.writeString(dir.resolve("prometheus.yml"), config);
            prometheus = new ProcessBuilder(binary().orElseThrow().toString(),
                    "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port,
                    "--log.level=warn")
                    .redirectErrorStream(true)
                    .redirectOutput(log().toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start prometheus", e);
        }
        MountFixture.await("prometheus ready on 127.0.0.1:" + port, Duration.ofSeconds(30), () -> {
            if (!prometheus.isAlive()) {
                fail("prometheus exited with " + prometheus.exitValue() + "\n" + SambaServer.read(log()));
            }
            return get("/-/ready").map(r -> r.statusCode() == 200).orElse(false);
        });
        return this;
    }

    Path log() {
        return dir.resolve("prometheus.log");
    }

    /** The {@code data.result} of an instant query at now; fails unless Prometheus answers with success. */
    JsonNode query(String expr) {
        return api("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
    }

    /**
     * The {@code data.result} of a range query over the last {@code span}, one point per {@code step}. It ends a
     * second from now: each point takes the newest sample at or before it, so the newest sample is in.
     */
    JsonNode queryRange(String expr, Duration span, Duration step) {
        Instant end = Instant.ofEpochSecond(System.currentTimeMillis() / 1000 + 1);
        return api("/api/v1/query_range?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8)
                + "&start=" + end.minus(span).getEpochSecond() + "&end=" + end.getEpochSecond()
                + "&step=" + step.toSeconds());
    }

    /** The single value of an instant query that returns one sample, or NaN when it returns none. */
    double scalar(String expr) {
        JsonNode result = query(expr);
        return result.isEmpty() ? Double.NaN : Double.parseDouble(result.get(0).get("value").get(1).asText());
    }

    private JsonNode api(String pathAndQuery) {
        HttpResponse<String> r = get(pathAndQuery).orElseThrow(() -> new AssertionError("prometheus does not answer "
                + pathAndQuery + "\n" + SambaServer.read(log())));
        try {
            JsonNode body = JSON.readTree(r.body());
            if (!"success".equals(body.path("status").asText())) {
                fail("prometheus refused " + pathAndQuery + ": " + r.body());
            }
            return body.get("data").get("result");
        } catch (IOException e) {
            throw new AssertionError("prometheus answered " + pathAndQuery + " with " + r.body(), e);
        }
    }

    private Optional<HttpResponse<String>> get(String pathAndQuery) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                    .timeout(Duration.ofSeconds(10)).build();
            return Optional.of(http.send(request, HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void close() {
        if (prometheus == null) {
            return;
        }
        prometheus.destroy();
        if (MountFixture.awaitExit(prometheus, Duration.ofSeconds(20)) == Integer.MIN_VALUE) {
            prometheus.destroyForcibly();
        }
        prometheus = null;
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
