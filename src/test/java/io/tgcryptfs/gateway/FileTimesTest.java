package io.tgcryptfs.gateway;

import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.fs.Timestamp;
import io.tgcryptfs.testing.FixtureOptions;
import io.tgcryptfs.testing.ManualClock;
import io.tgcryptfs.testing.TestVolume;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A write's size and times: updated like a coarse kernel clock, never skipped when the file grows. */
class FileTimesTest {
    private static final Instant START = Instant.parse("2026-11-28T10:00:00Z");

    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(START);
    private TestVolume vol;
    private FsGateway gw;

    @BeforeEach
    void open() {
        vol = TestVolume.open(dir, FixtureOptions.defaults().blockSize(4096).bandSize(16384).clock(clock));
        gw = vol.gateway;
    }

    @AfterEach
    void close() {
        vol.close();
    }

    private Inode attrs(long handle) {
        return gw.getattr(handle);
    }

    @Test
    void overwriteWithinOneTimeStep_keepsTheTimes_afterTheStep_movesThem() {
        long h = gw.create("/f", 0644, Caller.ROOT);
        gw.write(h, 0, new byte[8192]);
        Timestamp written = attrs(h).mtime();
        assertEquals(Timestamp.of(START), written);

        clock.advance(FileData.TIME_STEP.minusNanos(1));
        gw.write(h, 100, new byte[] {1, 2, 3});
        assertEquals(written, attrs(h).mtime(), "same step: no metadata change");
        assertEquals(written, attrs(h).ctime());

        clock.advance(Duration.ofNanos(1));
        gw.write(h, 200, new byte[] {4});
        Timestamp later = Timestamp.of(START.plus(FileData.TIME_STEP));
        assertEquals(later, attrs(h).mtime());
        assertEquals(later, attrs(h).ctime());
        byte[] back = gw.read(h, 100, 101);
        assertEquals(1, back[0]);
        assertEquals(4, back[100]);
        gw.release(h);
    }

    @Test
    void growingWrite_withinOneTimeStep_stillMovesTheSize() {
        long h = gw.create("/g", 0644, Caller.ROOT);
        gw.write(h, 0, new byte[10]);
        gw.write(h, 10, new byte[] {7, 8});
        assertEquals(12, attrs(h).size());
        assertArrayEquals(new byte[] {7, 8}, gw.read(h, 10, 2));
        gw.release(h);
    }

    @Test
    void clockStepBack_isNotMistakenForTheSameStep() {
        long h = gw.create("/b", 0644, Caller.ROOT);
        gw.write(h, 0, new byte[100]);
        clock.advance(Duration.ofSeconds(-10));
        gw.write(h, 0, new byte[] {1});
        assertEquals(Timestamp.of(START.minusSeconds(10)), attrs(h).mtime());
        gw.release(h);
    }
}
