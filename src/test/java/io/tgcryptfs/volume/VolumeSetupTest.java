package io.tgcryptfs.volume;

import com.typesafe.config.ConfigFactory;
import io.tgcryptfs.config.Settings;
import io.tgcryptfs.testing.FakeBlobStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Setting a volume up waits out a backend's passing failures as the mounted volume does. */
class VolumeSetupTest {
    @TempDir
    Path dir;

    private Settings settings() {
        return Settings.from(ConfigFactory.parseMap(Map.of(
                        "tgcryptfs.state-dir", dir.resolve("state").toString(),
                        "tgcryptfs.kdf.memory-kib", "8192", "tgcryptfs.kdf.iterations", "1",
                        "tgcryptfs.upload.retry.min-backoff", "1ms", "tgcryptfs.upload.retry.max-backoff", "5ms"))
                .withFallback(ConfigFactory.load()), Map.of());
    }

    @Test
    void create_retriesTheRootRecordThroughTransientFailuresAndA429() throws Exception {
        FakeBlobStore backend = new FakeBlobStore();
        backend.failNextRoots(FakeBlobStore.transientFailure(), FakeBlobStore.rateLimited(java.time.Duration.ofMillis(5)),
                FakeBlobStore.transientFailure());
        Settings settings = settings();

        VolumeSetup.create(settings, backend, "pw".toCharArray(), new SecureRandom());

        assertTrue(backend.getRoot().isPresent(), "the header is on the backend after three failed attempts");
        assertTrue(VolumeSetup.existsLocally(settings));
        assertTrue(VolumeSetup.existsOnBackend(settings, backend));
    }
}
