package io.tgcryptfs.gateway;

import io.tgcryptfs.engine.TimeStep;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.fs.Timestamp;
import io.tgcryptfs.testing.FixtureOptions;
import io.tgcryptfs.testing.ManualClock;
import io.tgcryptfs.testing.VolumeFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A write's size and times, and a directory's times when entries come and go: updated like a coarse
 * kernel clock, never skipped when the file grows or the directory's link count changes.
 */
class FileTimesTest extends VolumeFixture {
    private static final Instant START = Instant.parse("2026-11-28T10:00:00Z");

    private final ManualClock clock = new ManualClock(START);

    @BeforeEach
    void open() {
        openVolume(FixtureOptions.defaults().blockSize(4096).bandSize(16384).clock(clock));
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

        clock.advance(TimeStep.STEP.minusNanos(1));
        gw.write(h, 100, new byte[] {1, 2, 3});
        assertEquals(written, attrs(h).mtime(), "same step: no metadata change");
        assertEquals(written, attrs(h).ctime());

        clock.advance(Duration.ofNanos(1));
        gw.write(h, 200, new byte[] {4});
        Timestamp later = Timestamp.of(START.plus(TimeStep.STEP));
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
    void whereTheKernelSendsTheTimes_aWriteMovesOnlyAGrowingSize() {
        long h = gw.create("/k", 0644, Caller.ROOT);
        Inode created = attrs(h);
        clock.advance(java.time.Duration.ofSeconds(5));
        gw.write(h, 0, new byte[8192], WriteTimes.SENT_BY_KERNEL);
        assertEquals(8192, attrs(h).size());
        assertEquals(created.mtime(), attrs(h).mtime(), "the kernel sends its own mtime in a SETATTR");
        assertEquals(created.ctime(), attrs(h).ctime());
        Inode grown = attrs(h);

        clock.advance(java.time.Duration.ofSeconds(5));
        gw.write(h, 100, new byte[] {1, 2, 3}, WriteTimes.SENT_BY_KERNEL);
        assertEquals(grown, attrs(h), "an overwrite changes no metadata at all");
        assertArrayEquals(new byte[] {1, 2, 3}, gw.read(h, 100, 3));
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
    @Test
    void createsAndUnlinksWithinOneTimeStep_leaveTheDirectoryTimes_afterTheStep_moveThem() {
        gw.mknod("/d", io.tgcryptfs.fs.FileKind.DIRECTORY, 0755, 0, Caller.ROOT);
        Timestamp made = gw.getattr("/d").mtime();
        clock.advance(TimeStep.STEP.minusNanos(1));
        gw.release(gw.create("/d/a", 0644, Caller.ROOT));
        gw.unlink("/d/a");
        assertEquals(made, gw.getattr("/d").mtime(), "same step: the directory keeps its times");
        assertEquals(made, gw.getattr("/d").ctime());

        clock.advance(Duration.ofNanos(1));
        gw.release(gw.create("/d/b", 0644, Caller.ROOT));
        Timestamp later = Timestamp.of(START.plus(TimeStep.STEP));
        assertEquals(later, gw.getattr("/d").mtime());
        assertEquals(later, gw.getattr("/d").ctime());
        clock.advance(TimeStep.STEP);
        gw.unlink("/d/b");
        assertEquals(Timestamp.of(START.plus(TimeStep.STEP.multipliedBy(2))), gw.getattr("/d").mtime());
    }

    @Test
    void mkdirWithinOneTimeStep_stillCountsTheSubdirectoryInTheParentsLinks() {
        gw.mknod("/d", io.tgcryptfs.fs.FileKind.DIRECTORY, 0755, 0, Caller.ROOT);
        gw.mknod("/d/sub", io.tgcryptfs.fs.FileKind.DIRECTORY, 0755, 0, Caller.ROOT);
        assertEquals(3, gw.getattr("/d").nlink());
        gw.rmdir("/d/sub");
        assertEquals(2, gw.getattr("/d").nlink());
    }
}
