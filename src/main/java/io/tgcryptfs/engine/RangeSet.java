package io.tgcryptfs.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Disjoint, sorted, merged [start, end) intervals: which bytes of a dirty block were written. */
final class RangeSet {
    private final List<long[]> ranges = new ArrayList<>();
    /** The bytes the intervals cover: an fsync asks every dirty block of a file for it. */
    private long bytes;

    void add(long start, long end) {
        if (start >= end) {
            return;
        }
        long s = start;
        long e = end;
        int i = 0;
        while (i < ranges.size() && ranges.get(i)[1] < s) {
            i++;
        }
        while (i < ranges.size() && ranges.get(i)[0] <= e) {
            long[] r = ranges.remove(i);
            bytes -= r[1] - r[0];
            s = Math.min(s, r[0]);
            e = Math.max(e, r[1]);
        }
        ranges.add(i, new long[] {s, e});
        bytes += e - s;
    }

    long bytes() {
        return bytes;
    }

    boolean covers(long start, long end) {
        for (long[] r : ranges) {
            if (r[0] <= start && r[1] >= end) {
                return true;
            }
        }
        return false;
    }

    /** Copies of the intervals clipped to [start, end). */
    List<long[]> clipped(long start, long end) {
        List<long[]> out = new ArrayList<>();
        for (long[] r : ranges) {
            long s = Math.max(r[0], start);
            long e = Math.min(r[1], end);
            if (s < e) {
                out.add(new long[] {s, e});
            }
        }
        return out;
    }

    /** The intervals themselves, in order: read them before the next {@link #add}. */
    List<long[]> all() {
        return Collections.unmodifiableList(ranges);
    }
}
