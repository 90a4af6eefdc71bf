package io.tgcryptfs.testing;

import io.tgcryptfs.gateway.FsGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;

/**
 * What a test of one {@link TestVolume} at a time extends: a fresh directory per test, the volume the
 * test opens there (in a {@code @BeforeEach} or in the test itself), and random content from the
 * test's own seed, so that a failure comes back on every run. The volume is closed after each test,
 * passed or failed: its actor system and stores must not outlive the directory.
 */
public abstract class VolumeFixture {
    @TempDir
    protected Path dir;
    /** null until {@link #openVolume}. */
    protected TestVolume vol;
    /** The volume's gateway, as FUSE would drive it. */
    protected FsGateway gw;
    private final Random random;

    /** For a test that draws no random content from the fixture. */
    protected VolumeFixture() {
        this(0);
    }

    protected VolumeFixture(long seed) {
        random = new Random(seed);
    }

    protected void openVolume(FixtureOptions options) {
        vol = TestVolume.open(dir, options);
        gw = vol.gateway;
    }

    /** The seeded source of {@link #bytes}, for a test that draws other random values from it too. */
    protected Random random() {
        return random;
    }

    /** The next {@code n} random bytes. */
    protected byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    @AfterEach
    protected void closeVolume() {
        if (vol != null) {
            vol.close();
        }
    }
}
