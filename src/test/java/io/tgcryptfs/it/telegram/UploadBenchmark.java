package io.tgcryptfs.it.telegram;

import io.tgcryptfs.backend.telegram.TelegramBlobStore;
import io.tgcryptfs.backend.telegram.TelegramSettings;
import io.tgcryptfs.backend.telegram.fake.FakeBotApi;
import io.tgcryptfs.backend.telegram.fake.FakeBotApi.AcceptedSend;
import io.tgcryptfs.chunk.ChunkLocation;
import io.tgcryptfs.fs.ChunkId;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.metrics.Metrics;
import io.tgcryptfs.backend.Backoff;
import io.tgcryptfs.backend.Sleeper;
import io.tgcryptfs.pipeline.UploadPipeline;
import io.tgcryptfs.testing.FixtureOptions;
import io.tgcryptfs.testing.TestStores;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

/**
 * Upload benchmark without FUSE: {@link TelegramBlobStore} + {@link UploadPipeline} wired as in
 * {@code Volume}, against a {@link FakeBotApi} on loopback that enforces a per-chat message rate. For each
 * (latency, pack size, upload.concurrency) it seals PACKS packs of incompressible data into a fresh outbox,
 * starts the pipeline on them and drains it, then prints utilization (achieved / allowed message rate over
 * the span of accepted sends, from the server's timestamps) and bytes per second. Run it with
 * {@code ops/bench/telegram-upload.sh}; every knob is a system property (see {@link #main}).
 */
public final class UploadBenchmark {
    private static final String TOKEN = "777001:bench-token";
    private static final int MiB = 1 << 20;

    private UploadBenchmark() {
    }

    /** One measured run. */
    record Result(int latencyMs, long packSize, int concurrency, int packs, long bytes, int sends, double spanSeconds,
                  double utilization, double naive, double wallSeconds, long rateLimited) {
    }

    public static void main(String[] args) throws Exception {
        double rate = Double.parseDouble(System.getProperty("bench.rate", "1.0"));
        int chats = Integer.getInteger("bench.chats", 2);
        int packs = Integer.getInteger("bench.packs", 20);
        int perMinute = Integer.getInteger("bench.per-minute", (int) Math.ceil(60 * rate));
        List<Integer> concurrencies = ints(System.getProperty("bench.concurrency", "1,2,4,8"));
        List<Long> packSizes = Arrays.stream(System.getProperty("bench.pack-mib", "4,16").split(","))
                .map(s -> Long.parseLong(s.trim()) * MiB).toList();
        List<Integer> latencies = ints(System.getProperty("bench.latency-ms", "0,1000"));

        System.out.printf("# fake Bot API: %.2f msg/s and %d msg/min per chat, %d chats, 1 bot; %d packs per run%n",
                rate, perMinute, chats, packs);
        System.out.printf("# %d cores, %s %s, max heap %d MiB%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.arch"), Runtime.getRuntime().maxMemory() >> 20);
        List<Result> results = new ArrayList<>();
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "upload-benchmark");
        try {
            for (int latency : latencies) {
                for (long packSize : packSizes) {
                    for (int concurrency : concurrencies) {
                        Result r = run(system, rate, perMinute, chats, packs, packSize, concurrency, latency);
                        results.add(r);
                        System.err.printf("done: latency %d ms, pack %d MiB, concurrency %d: %.3f, %.2f MiB/s%n",
                                latency, packSize / MiB, concurrency, r.utilization(), r.bytes() / r.wallSeconds() / MiB);
                    }
                }
            }
        } finally {
            system.terminate();
        }
        System.out.println();
        System.out.println("| request latency | pack target | upload.concurrency | packs | sends | upload span | utilization"
                + " | sends/(span*chats*rate) | MiB/s | MB/s | 429s |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Result r : results) {
            System.out.printf("| %d ms | %d MiB | %d | %d | %d | %.1f s | %.1f %% | %.1f %% | %.2f | %.2f | %d |%n",
                    r.latencyMs(), r.packSize() / MiB, r.concurrency(), r.packs(), r.sends(), r.spanSeconds(),
                    100 * r.utilization(), 100 * r.naive(), r.bytes() / r.wallSeconds() / MiB,
                    r.bytes() / r.wallSeconds() / 1e6, r.rateLimited());
        }
    }

    static Result run(ActorSystem<Void> system, double rate, int perMinute, int chats, int packCount, long packSize,
                      int concurrency, int latencyMs) throws Exception {
        FakeBotApi.Builder b = FakeBotApi.builder().bot(TOKEN).perChatPerSecond(rate).perChatPerMinute(perMinute)
                .perBotPerSecond(30);
        List<Long> chatIds = new ArrayList<>();
        for (int i = 0; i < chats; i++) {
            chatIds.add(-1002000000000L - i);
            b.chat(chatIds.get(i));
        }
        Path dir = Files.createTempDirectory("tgcryptfs-upload-bench-");
        try (FakeBotApi api = b.start()) {
            api.setLatency(Duration.ofMillis(latencyMs));
            TelegramSettings settings = new TelegramSettings(URI.create(api.apiUrl()), List.of(TOKEN), chatIds, rate,
                    perMinute, 30, 50_000_000L, 20_000_000L, Duration.ofSeconds(120), Duration.ofSeconds(60));
            TelegramBlobStore store = TelegramBlobStore.create(settings);
            TestStores stores = TestStores.open(dir, FixtureOptions.defaults().blockSize(MiB).packTargetSize(packSize)
                    .outboxMaxBytes(1L << 40).cacheMaxBytes(1L << 40).backend(store));
            ExecutorService threads = Executors.newFixedThreadPool(concurrency);
            UploadPipeline pipeline = null;
            try {
                List<PackId> sealed = fill(stores, packCount);
                long bytes = 0;
                for (PackId p : sealed) {
                    bytes += Files.size(stores.outbox.dir().resolve(p.hex() + ".pack"));
                }
                pipeline = new UploadPipeline(stores.meta, store, stores.outbox, stores.cache, threads, Sleeper.REAL,
                        new SplittableRandom(1), new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 0.2),
                        concurrency, 1024, Metrics.NONE);
                stores.outbox.setListener(pipeline);
                Instant start = Instant.now();
                long t0 = System.nanoTime();
                pipeline.start(system, sealed);
                pipeline.drain(s -> { }, Duration.ofMillis(50));
                double wall = (System.nanoTime() - t0) / 1e9;
                if (pipeline.status().uploadedPacks() != sealed.size()) {
                    throw new IllegalStateException("uploaded " + pipeline.status().uploadedPacks() + " of " + sealed.size());
                }
                List<AcceptedSend> sends = api.acceptedSends().stream().filter(s -> !s.at().isBefore(start)).toList();
                double span = Duration.between(sends.get(0).at(), sends.get(sends.size() - 1).at()).toNanos() / 1e9;
                long intervals = 0;
                for (long chat : chatIds) {
                    intervals += Math.max(0, sends.stream().filter(s -> s.chatId() == chat).count() - 1);
                }
                double allowed = span * chats * rate;
                return new Result(latencyMs, packSize, concurrency, sealed.size(), bytes, sends.size(), span,
                        allowed > 0 ? intervals / allowed : 0, allowed > 0 ? sends.size() / allowed : 0, wall,
                        api.rateLimitedTotal());
            } finally {
                if (pipeline != null) {
                    pipeline.close();
                }
                threads.shutdownNow();
                stores.close();
                store.close();
            }
        } finally {
            deleteTree(dir);
        }
    }

    /** Appends 1 MiB chunks of random bytes until {@code n} packs are sealed. */
    private static List<PackId> fill(TestStores stores, int n) {
        SplittableRandom random = new SplittableRandom(n);
        List<PackId> sealed = new ArrayList<>();
        byte[] chunk = new byte[MiB];
        byte[] id = new byte[ChunkId.LENGTH];
        while (sealed.size() < n) {
            random.nextBytes(id);
            random.nextBytes(chunk);
            ChunkLocation at = stores.outbox.append(ChunkId.of(id), chunk, chunk.length);
            if (!stores.outbox.hasOpenPack()) {
                sealed.add(at.pack());
            }
        }
        return sealed;
    }

    private static List<Integer> ints(String csv) {
        return Arrays.stream(csv.split(",")).map(s -> Integer.parseInt(s.trim())).toList();
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
