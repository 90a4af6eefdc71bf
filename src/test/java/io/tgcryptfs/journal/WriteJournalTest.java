package io.tgcryptfs.journal;

import io.tgcryptfs.crypto.KdfParams;
import io.tgcryptfs.crypto.NewVolume;
import io.tgcryptfs.crypto.VolumeKeys;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.lmdb.LmdbMetaStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WriteJournalTest {
    @TempDir
    Path dir;
    private final SecureRandom random = new SecureRandom();
    private VolumeKeys keys;
    private MetaStore meta;
    private WriteJournal journal;
    private final WriteJournal.BlockKey block = new WriteJournal.BlockKey(7, 3);

    @BeforeEach
    void setUp() throws Exception {
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        NewVolume v = VolumeKeys.create("pw".toCharArray(), 4096, new KdfParams(8192, 1, 1, salt), random);
        keys = v.keys();
        meta = LmdbMetaStore.open(dir.resolve("meta"), 1L << 26);
        // spares prepared on the caller's thread: which segment a record lands in is deterministic
        journal = new WriteJournal(dir.resolve("journal"), meta, keys.metadataCipher(), random, 4096, 1 << 20, Runnable::run);
    }

    @AfterEach
    void tearDown() throws Exception {
        journal.close();
        meta.close();
        keys.close();
    }

    @Test
    void records_readBack_inOrder_andATornTailEndsTheJournal() throws Exception {
        for (int i = 0; i < 5; i++) {
            append(block, i * 10, new byte[] {(byte) i, (byte) (i + 1)});
        }
        journal.force();
        Path segment = segments().get(0);
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            f.seek(endOfFrames(segment) - 3);
            f.write(new byte[3]); // the last frame cut short by a crash: the prepared zeros show through
        }
        List<JournalRecord> read = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        JournalSegment.read(segment, keys.metadataCipher(), read::add, problems::add);
        assertEquals(4, read.size());
        assertEquals(List.of(1L, 2L, 3L, 4L), read.stream().map(JournalRecord::sequence).toList());
        assertArrayEquals(new byte[] {3, 4}, read.get(3).ranges().get(0).bytes());
    }

    @Test
    void aFrameFromAnotherFile_doesNotAuthenticate() throws Exception {
        append(block, 0, new byte[] {1});
        journal.force();
        Path segment = segments().get(0);
        byte[] bytes = Files.readAllBytes(segment);
        bytes[10] ^= 1; // the file id the frames are bound to
        Files.write(segment, bytes);
        List<JournalRecord> read = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        JournalSegment.read(segment, keys.metadataCipher(), read::add, problems::add);
        assertTrue(read.isEmpty());
        assertEquals(1, problems.size(), problems.toString());
    }

    @Test
    void aSeal_supersedesTheRecordsBeforeIt_notTheOnesAfter() {
        long first = journal.nextSequence(block);
        long sealAt = journal.sealStarting(block);
        long after = journal.nextSequence(block);
        journal.sealed(block, sealAt);
        assertEquals(after, journal.oldestLive(), "the record numbered after the seal started stays live");
        assertTrue(first < sealAt || first == sealAt);
        long mark = meta.read(r -> r.local(WriteJournal.markName(block))
                .map(v -> java.nio.ByteBuffer.wrap(v).getLong()).orElse(0L));
        assertEquals(sealAt, mark, "the seal's mark tells a replay to skip what it covers");
    }

    @Test
    void segments_rotate_andOnesWithOnlySupersededRecords_goAfterASync() throws Exception {
        for (int i = 0; i < 20; i++) {
            append(block, 0, new byte[1000]);
        }
        journal.force();
        assertTrue(segments().size() > 2, "4 KiB segments rotate");
        assertEquals(20, replayable().size());
        releaseEverything();
        assertTrue(replayable().isEmpty(), "with nothing live the journal starts over: a replay finds nothing");
        assertTrue(spares().size() <= SpareSegments.KEPT, "a few released segments are kept to be prepared again, the others go");
        assertTrue(meta.read(r -> r.localNames(WriteJournal.MARK_PREFIX)).isEmpty(), "and the marks go");
    }

    @Test
    void aReleasedSegment_comesBackAsALaterOne_underANewFileId_soItsOldRecordsNeverReplay() throws Exception {
        for (int i = 0; i < 20; i++) {
            append(block, 0, new byte[1000]);
        }
        journal.force();
        java.util.Set<Object> released = new java.util.HashSet<>();
        for (Path segment : segments()) {
            released.add(inode(segment));
        }
        releaseEverything();

        for (int i = 0; i < 12; i++) {
            append(block, 7, new byte[1000]); // a few segments' worth: the spare after the next is the set-aside one
        }
        journal.force();

        assertTrue(segments().stream().anyMatch(p -> released.contains(inode(p))), "a released file is a segment again");
        List<JournalRecord> replayed = replayable();
        assertEquals(12, replayed.size(), "only the new records: the old frames are sealed under the old file id");
        assertTrue(replayed.stream().allMatch(r -> r.ranges().get(0).start() == 7));
    }

    @Test
    void everySegment_endsCleanly_atTheZeroLengthAfterItsLastFrame() throws Exception {
        for (int i = 0; i < 9; i++) {
            append(block, 0, new byte[700]);
        }
        journal.force();
        List<String> problems = new ArrayList<>();
        int records = 0;
        for (Path segment : segments()) {
            List<JournalRecord> read = new ArrayList<>();
            JournalSegment.read(segment, keys.metadataCipher(), read::add, problems::add);
            records += read.size();
        }
        assertEquals(9, records);
        assertEquals(List.of(), problems, "prepared zeros and reused segments end without a complaint");
    }

    @Test
    void aNewJournal_refusesADirectoryThatWasNotReplayed() throws Exception {
        append(block, 0, new byte[] {1});
        journal.force();
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> new WriteJournal(dir.resolve("journal"), meta, keys.metadataCipher(), random, 4096, 1 << 20));
    }

    private void append(WriteJournal.BlockKey key, int at, byte[] bytes) throws Exception {
        long sequence = journal.nextSequence(key);
        journal.append(List.of(new JournalRecord(sequence, key.ino(), key.block(),
                List.of(new JournalRecord.Range(at, bytes)))));
    }

    private void releaseEverything() {
        long sealAt = journal.sealStarting(block);
        journal.sealed(block, sealAt);
        long oldest = journal.oldestLive();
        meta.sync();
        journal.release(oldest);
    }

    /** What a replay of the journal directory would read. */
    private List<JournalRecord> replayable() throws Exception {
        List<JournalRecord> read = new ArrayList<>();
        for (Path segment : segments()) {
            JournalSegment.read(segment, keys.metadataCipher(), read::add, problem -> { });
        }
        return read;
    }

    /** Where the last frame of a segment ends: frames are {@code length:i32 | length bytes}, then a zero length. */
    private static long endOfFrames(Path segment) throws Exception {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(Files.readAllBytes(segment));
        int at = JournalSegment.HEADER;
        while (b.getInt(at) != 0) {
            at += 4 + b.getInt(at);
        }
        return at;
    }

    private static Object inode(Path p) {
        try {
            return Files.getAttribute(p, "unix:ino");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private List<Path> segments() throws Exception {
        return files(".wal");
    }

    private List<Path> spares() throws Exception {
        return files(".spare");
    }

    private List<Path> files(String suffix) throws Exception {
        try (Stream<Path> files = Files.list(dir.resolve("journal"))) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }
}
