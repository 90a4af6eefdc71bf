package io.tgcryptfs.engine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DirtyBlockTest {
    private static byte[] filled(int n, int value) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) value);
        return b;
    }

    @Test
    void full_onlyWhenEveryByteWasWritten() {
        DirtyBlock b = new DirtyBlock(16, 0);
        b.write(0, filled(8, 1), 0, 8);
        assertFalse(b.full());
        b.write(8, filled(8, 2), 0, 8);
        assertTrue(b.full());
    }

    @Test
    void applyTo_overlaysOnlyTheWrittenBytes() {
        DirtyBlock b = new DirtyBlock(8, 0);
        b.write(2, new byte[] {1, 2, 3}, 0, 3);
        byte[] stored = filled(8, 9);
        b.applyTo(stored);
        assertArrayEquals(new byte[] {9, 9, 1, 2, 3, 9, 9, 9}, stored);
    }

    @Test
    void snapshot_isACopy_unaffectedByLaterWrites() {
        DirtyBlock b = new DirtyBlock(8, 0);
        b.write(0, new byte[] {1, 2, 3, 4}, 0, 4);
        DirtyBlock.Overlay snap = b.snapshot(2, 6);
        b.write(0, new byte[] {7, 7, 7, 7}, 0, 4);
        byte[] out = filled(4, 5); // out[0] is block byte 2
        snap.applyTo(out, 2);
        assertArrayEquals(new byte[] {3, 4, 5, 5}, out);
    }

    @Test
    void mergedUnder_keepsBoth_newerWinning() {
        DirtyBlock older = new DirtyBlock(8, 0);
        older.write(0, new byte[] {1, 1, 1, 1}, 0, 4);
        DirtyBlock newer = new DirtyBlock(8, 0);
        newer.write(2, new byte[] {2, 2, 2, 2}, 0, 4);
        newer.sealRequested = true;
        DirtyBlock merged = older.mergedUnder(newer);
        byte[] out = filled(8, 9);
        merged.applyTo(out);
        assertArrayEquals(new byte[] {1, 1, 2, 2, 2, 2, 9, 9}, out);
        assertTrue(merged.written.covers(0, 6));
        assertTrue(merged.sealRequested);
    }

    @Test
    void journalWhileSealing_recordsWhatNoRecordHolds_onceAndOnlyBeforeTheSealCommits() {
        DirtyBlock b = new DirtyBlock(8, 0);
        b.write(2, new byte[] {1, 2, 3}, 0, 3);
        var record = b.journalWhileSealing(() -> 41, 7, 3).orElseThrow();
        assertEquals(41, record.sequence());
        assertEquals(7, record.ino());
        assertEquals(3, record.block());
        assertEquals(2, record.ranges().get(0).start());
        assertArrayEquals(new byte[] {1, 2, 3}, record.ranges().get(0).bytes());
        assertTrue(b.journalWhileSealing(() -> 42, 7, 3).isEmpty(), "nothing new to journal");
        assertEquals(41, b.sealCommitted(), "the seal covers the record taken meanwhile");
    }

    @Test
    void journalWhileSealing_afterTheSealCommitted_recordsNothing() {
        DirtyBlock b = new DirtyBlock(8, 0);
        b.write(0, new byte[] {1}, 0, 1);
        assertEquals(0, b.sealCommitted());
        assertTrue(b.journalWhileSealing(() -> {
            throw new AssertionError("no sequence may be taken: the LMDB sync after it covers the seal");
        }, 7, 3).isEmpty());
    }
}
