package io.tgcryptfs.journal;

import io.tgcryptfs.crypto.KdfParams;
import io.tgcryptfs.crypto.NewVolume;
import io.tgcryptfs.crypto.VolumeKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpareSegmentsTest {
    @TempDir
    Path dir;
    private VolumeKeys keys;
    /** Preparations wait here until the test runs them. */
    private final Queue<Runnable> background = new ArrayDeque<>();
    private SpareSegments spares;

    @BeforeEach
    void setUp() throws Exception {
        SecureRandom random = new SecureRandom();
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        NewVolume v = VolumeKeys.create("pw".toCharArray(), 4096, new KdfParams(8192, 1, 1, salt), random);
        keys = v.keys();
        spares = new SpareSegments(dir, keys.metadataCipher(), 64 << 10, background::add);
    }

    @AfterEach
    void tearDown() {
        spares.close();
        keys.close();
    }

    @Test
    void aSpare_isZeroFilledAndReadyOnlyOncePrepared_andPreparedOneAtATime() throws Exception {
        spares.prepare(() -> 2, () -> new byte[16]);
        spares.prepare(() -> 3, () -> new byte[16]);
        assertEquals(1, background.size(), "one preparation at a time");
        assertFalse(spares.isReady());

        background.poll().run();

        assertTrue(spares.isReady());
        JournalSegment spare = spares.take(1);
        assertNotNull(spare);
        assertEquals(2, spare.number);
        assertEquals(64 << 10, Files.size(spare.file), "zero-filled ahead of the appends");
        assertTrue(spare.appendsInPlace());
        spare.close();
    }

    @Test
    void aSpareNumberedBelowTheSegmentItWouldFollow_isThrownAway() throws Exception {
        spares.prepare(() -> 2, () -> new byte[16]);
        background.poll().run();

        assertNull(spares.take(3), "the journal went on to segment 3 without it: a replay would read it too early");
        assertFalse(Files.exists(JournalSegment.fileName(dir, 2)));
    }

    @Test
    void aReleasedSegment_isSetAsideOutOfAReplaysSight_andPreparedAgainUnderItsNewNumber() throws Exception {
        JournalSegment old = JournalSegment.create(dir, 1, keys.metadataCipher(), new byte[16]);
        Object inode = Files.getAttribute(old.file, "unix:ino");
        spares.release(old);
        assertFalse(Files.exists(old.file), "no longer a .wal file");

        spares.prepare(() -> 5, () -> new byte[16]);
        background.poll().run();

        JournalSegment reused = spares.take(4);
        assertNotNull(reused);
        assertEquals(inode, Files.getAttribute(reused.file, "unix:ino"));
        assertEquals(JournalSegment.fileName(dir, 5), reused.file);
        reused.close();
    }

    @Test
    void aPreparationThatFails_leavesNoSpare_andDeletesNothingItDidNotCreate() throws Exception {
        Path existing = Files.writeString(JournalSegment.fileName(dir, 2), "not ours");
        spares.prepare(() -> 2, () -> new byte[16]);
        background.poll().run();

        assertFalse(spares.isReady());
        assertEquals("not ours", Files.readString(existing));
        spares.prepare(() -> 3, () -> new byte[16]);
        assertEquals(1, background.size(), "a later preparation starts again");
    }

    @Test
    void withoutRoomToSpareOnTheDisk_noSpareIsZeroFilled_andAReleasedSegmentIsDeletedNotKept() throws Exception {
        SpareSegments onAFullDisk = new SpareSegments(dir, keys.metadataCipher(), 1L << 50, background::add);
        onAFullDisk.prepare(() -> 2, () -> new byte[16]);
        background.poll().run();
        assertFalse(onAFullDisk.isReady());
        assertFalse(Files.exists(JournalSegment.fileName(dir, 2)), "nothing written");

        JournalSegment released = JournalSegment.create(dir, 3, keys.metadataCipher(), new byte[16]);
        onAFullDisk.release(released);
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "its space is given back, not kept for reuse");
        }
        onAFullDisk.close();
    }

    @Test
    void afterClose_aPreparationUnderWay_leavesNothingReady() throws Exception {
        spares.prepare(() -> 2, () -> new byte[16]);
        spares.close();
        background.poll().run();
        assertFalse(spares.isReady());
        assertFalse(Files.exists(JournalSegment.fileName(dir, 2)), "its file is deleted");
    }
}
