package io.tgcryptfs.gateway;

import io.tgcryptfs.engine.TimeChange;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.fs.Timestamp;
import io.tgcryptfs.testing.Await;
import io.tgcryptfs.testing.FixtureOptions;
import io.tgcryptfs.testing.VolumeFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A file whose size or times were committed for bytes a crash then lost must not look unchanged to a
 * backup tool comparing size and time: the mark ({@code engine.UnbackedFiles}) and what a restart does
 * with it. Closing the volume without a sync is the crash; seals wait ten minutes unless asked for.
 */
class UnbackedFilesTest extends VolumeFixture {
    private static final int BS = 4096;
    /** The source file's mtime, as rsync, tar or cp -p copy it. */
    private static final TimeChange SOURCE_MTIME = new TimeChange.At(new Timestamp(1_000_000_000L, 0));
    private FixtureOptions options;

    UnbackedFilesTest() {
        super(7);
    }

    @BeforeEach
    void open() {
        options = FixtureOptions.defaults().blockSize(BS).bandSize(4 * BS).dirtyExpiry(Duration.ofMinutes(10));
        openVolume(options);
    }

    private List<String> marks() {
        return vol.stores.meta.read(r -> r.localNames("unbacked/"));
    }

    /** rsync's way: a temporary file written, given the source's times and renamed into place; kept open. */
    private long copyWithoutFsync(String path, byte[] data) {
        long h = gw.create(path + ".tmp", 0644, Caller.ROOT);
        gw.write(h, 0, data);
        gw.setTimes(h, TimeChange.Omit.INSTANCE, SOURCE_MTIME, TimeChange.Omit.INSTANCE);
        gw.rename(path + ".tmp", path);
        return h;
    }

    private void crashAndReopen() {
        closeVolume();
        openVolume(options);
    }

    @Test
    void aCopyCutOffByACrash_comesBackWithTheTimeOfRecovery_notTheSourcesTime() {
        copyWithoutFsync("/f", bytes(3 * BS));
        assertEquals(1, marks().size());
        Instant beforeRestart = Instant.now();

        crashAndReopen();

        Inode after = gw.getattr("/f");
        assertEquals(3 * BS, after.size(), "the size stays: the bytes read as zeros");
        assertTrue(after.mtime().compareTo(Timestamp.of(beforeRestart)) >= 0, "mtime " + after.mtime());
        assertEquals(after.mtime(), after.ctime());
        assertEquals(List.of(), marks());
    }

    @Test
    void anFsyncedCopy_keepsItsBytesAndTimesThroughACrash() {
        byte[] data = bytes(3 * BS + 17);
        long h = copyWithoutFsync("/f", data);
        gw.fsync(h);
        assertEquals(List.of(), marks(), "the fsync backed every byte");

        crashAndReopen();

        assertEquals(new Timestamp(1_000_000_000L, 0), gw.getattr("/f").mtime());
        assertArrayEquals(data, vol.readFile("/f"));
    }

    @Test
    void theMarkGoes_onceTheClosedFileIsSealed() {
        long h = copyWithoutFsync("/f", bytes(3 * BS));
        long ino = gw.getattr("/f").ino();
        gw.release(h); // a close seals what no fsync journaled
        Await.until(() -> !vol.ctx.dirtyRegions().mayHoldUnbacked(ino), "the closed file sealed");
        gw.sweepUnbacked();
        assertEquals(List.of(), marks());

        crashAndReopen();

        assertEquals(new Timestamp(1_000_000_000L, 0), gw.getattr("/f").mtime());
    }

    @Test
    void aFileStaysMarked_whileAnFsyncOfItRuns() {
        long h = copyWithoutFsync("/f", bytes(3 * BS));
        long ino = gw.getattr("/f").ino();
        gw.release(h);
        Await.until(() -> !vol.ctx.dirtyRegions().mayHoldUnbacked(ino), "the closed file sealed");
        vol.ctx.unbacked().syncing(ino); // its bands have handed their records over, the journal is not forced yet
        gw.sweepUnbacked();
        assertEquals(1, marks().size());
        vol.ctx.unbacked().synced(ino);
        gw.sweepUnbacked();
        assertEquals(List.of(), marks());
    }

    @Test
    void timesSetAfterAnFsync_markTheFileOnlyIfItWasWrittenSince() {
        byte[] data = bytes(2 * BS);
        long h = gw.create("/f", 0644, Caller.ROOT);
        gw.write(h, 0, data);
        gw.fsync(h);
        gw.setTimes(h, TimeChange.Omit.INSTANCE, SOURCE_MTIME, TimeChange.Omit.INSTANCE);
        assertEquals(List.of(), marks(), "nothing unbacked");

        byte[] patch = bytes(100);
        gw.write(h, BS, patch, WriteTimes.SENT_BY_KERNEL); // within the size: no size to move
        gw.setTimes(h, TimeChange.Omit.INSTANCE, SOURCE_MTIME, TimeChange.Now.INSTANCE);
        assertEquals(1, marks().size());

        gw.fsync(h);
        assertEquals(List.of(), marks());
        crashAndReopen();
        byte[] expected = data.clone();
        System.arraycopy(patch, 0, expected, BS, patch.length);
        assertArrayEquals(expected, vol.readFile("/f"));
        assertEquals(new Timestamp(1_000_000_000L, 0), gw.getattr("/f").mtime());
    }

    @Test
    void theKernelsOwnTimes_markNothing() {
        // under the writeback cache the kernel sends the time of its last write before each fsync: a file
        // lost with that time looks changed, which is safe, and marking it would cost a commit per fsync
        long h = gw.create("/f", 0644, Caller.ROOT);
        gw.write(h, 0, bytes(2 * BS));
        gw.fsync(h);
        gw.write(h, BS, bytes(100), WriteTimes.SENT_BY_KERNEL);
        TimeChange kernels = new TimeChange.At(Timestamp.of(Instant.now()));
        gw.setTimes(h, TimeChange.Omit.INSTANCE, kernels, kernels);
        assertEquals(List.of(), marks());
    }

    @Test
    void aCleanSync_leavesNoMark() {
        copyWithoutFsync("/f", bytes(5 * BS));
        copyWithoutFsync("/g", bytes(BS / 2));
        assertEquals(2, marks().size());
        gw.syncAll();
        assertEquals(List.of(), marks());
        assertTrue(Arrays.stream(new String[] {"/f", "/g"})
                .allMatch(p -> gw.getattr(p).mtime().equals(new Timestamp(1_000_000_000L, 0))));
    }
}
