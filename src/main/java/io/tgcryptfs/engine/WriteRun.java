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
 * <p>A run is made of writes that touch each other in any order, not only each continuing the last: the
 * kernel's writeback ({@code fuse.writeback-cache}) and Samba's parallel writes hand a stream over as
 * requests of 1 MiB at page offsets, several at once and out of order. Following only the last write's end
 * saw no stream there, so full blocks waited until cold and the dirty budget filled the heap. The
 * {@link #RUNS} runs touched last are remembered; a write inside one ends it (a rewrite is no stream: a file
 * copied in once and then written at random would otherwise look like a stream forever).
 */
final class WriteRun {
    static final long STREAM_BYTES = 1 << 20;
    /** Runs remembered: more than the writeback requests of one file in flight at once is not needed. */
    static final int RUNS = 4;

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
            boolean inside = starts[i] <= offset && offset + length <= ends[i];
            if (inside) {
                continue; // rewriting what the run wrote: random access there, the run is over
            }
            if (starts[i] <= end && start <= ends[i]) { // extends it, at either end: one run now
                start = Math.min(start, starts[i]);
                end = Math.max(end, ends[i]);
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
}
