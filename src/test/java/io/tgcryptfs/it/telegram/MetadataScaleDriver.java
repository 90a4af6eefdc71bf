package io.tgcryptfs.it.telegram;

import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.backend.telegram.TelegramBlobStore;
import io.tgcryptfs.backend.telegram.TelegramSettings;
import io.tgcryptfs.backup.PointCapture;
import io.tgcryptfs.backup.PointPublisher;
import io.tgcryptfs.backup.Retention;
import io.tgcryptfs.backup.WriteBarrier;
import io.tgcryptfs.config.ConfigLoader;
import io.tgcryptfs.config.Settings;
import io.tgcryptfs.crypto.VolumeHeader;
import io.tgcryptfs.crypto.VolumeKeys;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.lmdb.LmdbMetaStore;
import io.tgcryptfs.metrics.Metrics;
import io.tgcryptfs.backend.Backoff;
import io.tgcryptfs.backend.Retry;
import io.tgcryptfs.backend.Sleeper;
import io.tgcryptfs.testing.SyntheticVolume;
import io.tgcryptfs.volume.VolumeSetup;
import io.tgcryptfs.volume.VolumeRestore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * Runs one step of {@link MetadataScaleIT} in its own JVM (so the heap limit is the one a user runs
 * with) and prints {@code key value} lines: {@code fingerprint}, {@code millis}, {@code peak-rss-kib}.
 *
 * <pre>create FILES BLOCKS    new volume, synthetic metadata, one restore point published
 * touch FILES INDEX         one file changes, the next restore point is published
 * restore                   restore the newest point into the (empty) state directory
 * </pre>
 * Settings come from -D properties like the CLI's; the password from $TGCRYPTFS_PASSWORD.
 */
public final class MetadataScaleDriver {
    private MetadataScaleDriver() {
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.from(ConfigLoader.load(null, System.getenv()), System.getenv());
        char[] password = System.getenv("TGCRYPTFS_PASSWORD").toCharArray();
        SecureRandom random = new SecureRandom();
        long start = System.nanoTime();
        try (BlobStore backend = TelegramBlobStore.create(TelegramSettings.from(settings.raw()))) {
            switch (args[0]) {
                case "create" -> {
                    VolumeSetup.create(settings, backend, password, random);
                    try (Writer w = new Writer(settings, backend, password, random)) {
                        SyntheticVolume.build(w.meta, w.keys.chunkIds(), Integer.parseInt(args[1]), Long.parseLong(args[2]), 2_000);
                        System.out.println("built-millis " + (System.nanoTime() - start) / 1_000_000);
                        long published = System.nanoTime();
                        w.publish();
                        System.out.println("backup-millis " + (System.nanoTime() - published) / 1_000_000);
                        System.out.println("fingerprint " + SyntheticVolume.fingerprint(w.meta));
                    }
                }
                case "touch" -> {
                    try (Writer w = new Writer(settings, backend, password, random)) {
                        SyntheticVolume.touchFile(w.meta, w.keys.chunkIds(), Integer.parseInt(args[1]), Integer.parseInt(args[2]), 1);
                        w.publish();
                        System.out.println("fingerprint " + SyntheticVolume.fingerprint(w.meta));
                    }
                }
                case "restore" -> {
                    VolumeRestore.Report report = VolumeRestore.run(settings, backend, password, random, Sleeper.REAL,
                            Metrics.NONE, p -> { });
                    System.out.println("restore-millis " + (System.nanoTime() - start) / 1_000_000);
                    System.out.println("restored " + report.sequence() + " " + report.objects() + " " + report.bytes());
                    try (MetaStore meta = LmdbMetaStore.open(settings.metaDir(), settings.metadataMapSize())) {
                        System.out.println("fingerprint " + SyntheticVolume.fingerprint(meta));
                    }
                }
                default -> throw new IllegalArgumentException(args[0]);
            }
        }
        System.out.println("millis " + (System.nanoTime() - start) / 1_000_000);
        System.out.println("peak-rss-kib " + status("VmHWM:"));
        // RSS counts LMDB's memory-mapped file pages (page cache); anonymous memory is the process's own
        System.out.println("rss-anon-kib " + status("RssAnon:"));
        System.out.println("heap-max-mib " + Runtime.getRuntime().maxMemory() / 1048576);
    }

    /** The volume's metadata log, wired as the mount wires it. */
    private static final class Writer implements AutoCloseable {
        final VolumeKeys keys;
        final MetaStore meta;
        final PointCapture capture;
        final PointPublisher publisher;

        Writer(Settings settings, BlobStore backend, char[] password, SecureRandom random) throws Exception {
            VolumeHeader header = VolumeHeader.decode(Files.readAllBytes(settings.headerFile()));
            keys = VolumeKeys.unlock(header, password, random);
            meta = LmdbMetaStore.open(settings.metaDir(), settings.metadataMapSize());
            Retry retry = new Retry(new Backoff(settings.retryMinBackoff(), settings.retryMaxBackoff(),
                    settings.retryRandomFactor()), Sleeper.REAL, random, 20, (cause, e) -> { });
            capture = new PointCapture(meta, settings.metalogDir(), keys.metadataCipher(), random,
                    Math.min(settings.packTargetSize(), backend.maxObjectBytes()), Clock.systemUTC(),
                    settings.metadataCheckpointRatio(), settings.metadataMaxDeltas(), WriteBarrier.NONE);
            publisher = new PointPublisher(meta, backend, keys.metadataCipher(), header.encode(), settings.metalogDir(),
                    random, retry, () -> { }, () -> { }, new Retention(Duration.ZERO, 0, 0), Clock.systemUTC());
        }

        void publish() throws Exception {
            long sequence = capture.capture(false).orElseThrow();
            if (publisher.publishReady().orElseThrow() != sequence) {
                throw new IllegalStateException("restore point #" + sequence + " was not published");
            }
        }

        @Override
        public void close() {
            meta.close();
            keys.close();
        }
    }

    private static long status(String field) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }

    static Map<String, String> parse(String stdout) {
        Map<String, String> out = new java.util.HashMap<>();
        for (String line : stdout.split("\n")) {
            int space = line.indexOf(' ');
            if (space > 0) {
                out.put(line.substring(0, space), line.substring(space + 1).strip());
            }
        }
        return out;
    }
}
