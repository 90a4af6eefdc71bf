package io.tgcryptfs.journal;

import java.util.List;

/**
 * What one fsync recorded for one block: every range written to it since it was last sealed (so the
 * newest record of a block version stands on its own), under a sequence number that orders records
 * against seals.
 */
public record JournalRecord(long sequence, long ino, long block, List<Range> ranges) {
    /** Bytes written at {@code start} within the block. */
    public record Range(int start, byte[] bytes) {
    }

    /** Bytes of data the record holds. */
    public long dataBytes() {
        long n = 0;
        for (Range r : ranges) {
            n += r.bytes().length;
        }
        return n;
    }

    /** Lays the ranges over {@code block} (a whole block). */
    public void applyTo(byte[] block) {
        for (Range r : ranges) {
            System.arraycopy(r.bytes(), 0, block, r.start(), r.bytes().length);
        }
    }
}
