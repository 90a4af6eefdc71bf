package io.tgcryptfs.engine;

/**
 * Tells a band's sequential stream of writes from random ones. A write is part of a stream when the run of
 * writes it joins is longer than {@link #STREAM_BYTES} (or half the band, if less), or when it starts at the
 * band's start (a stream coming from the band before). Blocks a stream fills are sealed at once: nothing
 * will change them soon, and sealing keeps pace with the writer. Blocks filled otherwise wait like partial
 * ones until they are cold: a random write of up to 1 MiB filling blocks is what a Time Machine band or a
 * disk image gets, and sealing those at once resealed a good part of them a moment later (the band
 * workload uploaded 1.6 bytes per byte changed, 1.0 with this).
 *
 * <p>A run is made of writes that continue each other at either end, in any order, not only each the
 * last: several threads writing one file, or the kernel's writeback cache (tried, docs/performance-history.md),
 * hand a stream over as requests at page offsets, several at once and out of order. Following only the
 * last write's end saw no stream there, so full blocks waited until cold and the dirty budget filled the
 * heap. The {@link #RUNS} runs touched last are remembered; a write overlapping one ends it: a rewrite is
 * no stream (a file copied in once and then written at random would otherwise look like a stream
 * forever), and random writes of up to 1 MiB that overlap joined into runs past 1 MiB (the band workload
 * uploaded 1.10 bytes per byte changed when overlaps joined, 1.01 without).
 */
final class WriteRun {
    static final long STREAM_BYTES = 1 << 20;
    /**
     * Runs remembered: more than the requests of one stream in flight in a band at once. The kernel's
     * writeback sends a 1 GiB copy as 1 MiB requests, eight of an 8 MiB band in flight together, each
     * landing as four 256 KiB pieces interleaved with the others'. Remembering four, the first pieces of
     * the later requests pushed out the runs their other pieces continue, so many of those pieces looked
     * random and the blocks they filled waited to be cold: the copy's closing fsync found some 80 MiB of
     * full blocks dirty, journaled a third of them (to be sealed later too) and sealed the rest (0.6-0.8 s
     * of the copy's 4-5 s; 0.25-0.3 s with sixteen).
     */
    static final int RUNS = 16;

    private final long bandStart;
    private final long streamBytes;
    /** [start, end) of the runs, the one touched last first; unused slots have start == end == -1. */
    private final long[] starts = new long[RUNS];
    private final long[] ends = new long[RUNS];

    /** For the band that covers file offsets [{@code bandStart}, {@code bandEnd}). */
    WriteRun(long bandStart, long bandEnd) {
        this.bandStart = bandStart;
        this.streamBytes = Math.min(STREAM_BYTES, (bandEnd - bandStart) / 2);
        java.util.Arrays.fill(starts, -1);
        java.util.Arrays.fill(ends, -1);
    }

    /** Notes a write of {@code length} bytes at {@code offset}; true if it is part of a stream. */
    boolean streaming(long offset, int length) {
        long start = offset;
        long end = offset + length;
        int kept = 0; // runs it does not touch, compacted to the front in their order
        for (int i = 0; i < RUNS && starts[i] >= 0; i++) {
            if (ends[i] == offset || starts[i] == offset + length) { // continues it, at either end: one run now
                start = Math.min(start, starts[i]);
                end = Math.max(end, ends[i]);
            } else if (starts[i] < offset + length && offset < ends[i]) {
                continue; // rewrites part of what the run wrote: random access there, the run is over
            } else {
                starts[kept] = starts[i];
                ends[kept] = ends[i];
                kept++;
            }
        }
        int moved = Math.min(kept, RUNS - 1); // the least recently touched falls off when all are kept
        System.arraycopy(starts, 0, starts, 1, moved);
        System.arraycopy(ends, 0, ends, 1, moved);
        starts[0] = start;
        ends[0] = end;
        java.util.Arrays.fill(starts, moved + 1, RUNS, -1);
        java.util.Arrays.fill(ends, moved + 1, RUNS, -1);
        return offset == bandStart || end - start > streamBytes;
    }

    /** Where the run the last write joined starts: with {@link #end()}, what a stream has written. */
    long start() {
        return starts[0];
    }

    long end() {
        return ends[0];
    }
}
