package io.tgcryptfs.fuse;

import io.tgcryptfs.config.Settings;
import io.tgcryptfs.gateway.Listing;
import io.tgcryptfs.gateway.Listings;
import io.tgcryptfs.gateway.Stat;
import io.tgcryptfs.testing.FixtureOptions;
import io.tgcryptfs.testing.VolumeFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The mount's lookup warm-up: bounded by its time and its count, and it leaves the volume as it was. */
class LookupWarmupTest extends VolumeFixture {
    private static final int BS = 4096;
    private static final Settings.Fuse OPTIONS = new Settings.Fuse(true, true, 1.0, 1.0, 0, 1 << 20, true, false, List.of(),
            Duration.ofSeconds(1), false);

    @BeforeEach
    void open() {
        openVolume(FixtureOptions.defaults().blockSize(BS).bandSize(4 * BS).uploads(false));
    }

    @Test
    void stopsOnceItsTimeHasPassed() {
        AtomicLong now = new AtomicLong();
        // the clock moves a millisecond each time it is read: the loop reads it once per round of two lookups
        int done = LookupWarmup.run(vol.gateway, BS, OPTIONS, Duration.ofMillis(50), () -> now.getAndAdd(1_000_000));

        assertEquals(2 * 49, done);
    }

    @Test
    void stopsAtItsLookupCountOnAFastMachine() {
        int done = LookupWarmup.run(vol.gateway, BS, OPTIONS, Duration.ofDays(1), () -> 0L);

        assertEquals(LookupWarmup.MAX_LOOKUPS, done);
    }

    @Test
    void zeroSkipsIt() {
        assertEquals(0, LookupWarmup.run(vol.gateway, BS, OPTIONS, Duration.ZERO, () -> {
            throw new AssertionError("the clock is not read when the warm-up is off");
        }));
    }

    @Test
    void leavesTheVolumeAsItWas() {
        vol.gateway.mknod("/kept", io.tgcryptfs.fs.FileKind.REGULAR, 0644, 0, io.tgcryptfs.gateway.Caller.ROOT);
        Stat root = vol.gateway.stat("/");
        List<String> names = Listings.of(vol.gateway, "/").stream().map(Listing::name).toList();

        LookupWarmup.run(vol.gateway, BS, OPTIONS, Duration.ofDays(1), () -> 0L);

        assertEquals(root, vol.gateway.stat("/"), "the root's attributes, times included");
        assertEquals(names, Listings.of(vol.gateway, "/").stream().map(Listing::name).toList());
    }
}
