package io.tgcryptfs.engine;

/**
 * Tells a band's sequential stream of writes from random ones. A write is part of a stream when it
 * continues a run of writes longer than {@link #STREAM_BYTES} (or half the band, if less), or starts at
 * the band's start (a stream coming from the band before). Blocks a stream fills are sealed at once:
 * nothing will change them soon, and sealing keeps pace with the writer. Blocks filled otherwise wait like
 * partial ones until they are cold: a random write of up to 1 MiB (which the kernel hands over as
 * sequential 128 KiB requests) filling blocks is what a Time Machine band or a disk image gets, and
 * sealing those at once resealed a good part of them a moment later (the band workload uploaded 1.6 bytes
 * per byte changed, 1.0 with this).
 */
final class WriteRun {
    static final long STREAM_BYTES = 1 << 20;

    private final long bandStart;
    private final long streamBytes;
    /** Where the last write ended, and where the run of writes it continued began. */
    private long lastWriteEnd = -1;
    private long runStart = -1;

    /** For the band that covers file offsets [{@code bandStart}, {@code bandEnd}). */
    WriteRun(long bandStart, long bandEnd) {
        this.bandStart = bandStart;
        this.streamBytes = Math.min(STREAM_BYTES, (bandEnd - bandStart) / 2);
    }

    /** Notes a write of {@code length} bytes at {@code offset}; true if it is part of a stream. */
    boolean streaming(long offset, int length) {
        if (offset != lastWriteEnd) {
            runStart = offset;
        }
        lastWriteEnd = offset + length;
        return offset == bandStart || lastWriteEnd - runStart > streamBytes;
    }
}
