package io.tgcryptfs.engine;

import io.tgcryptfs.chunk.ChunkStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A read of part of one band, taken on the band's actor when the read arrives: for each block, copies of
 * the bytes being sealed and of those written since, so writes that come later do not show, and whether
 * they cover the range (then the stored chunk is not read at all). {@link #assemble} runs on the blocking
 * executor and lays them over the stored chunk, the older copy first.
 */
final class BandRead {
    private record Part(long block, int start, int end, int outOffset, DirtyBlock.Overlay older,
                        DirtyBlock.Overlay newer, boolean covered) {
    }

    private final long ino;
    private final int length;
    private final List<Part> parts;

    private BandRead(long ino, int length, List<Part> parts) {
        this.ino = ino;
        this.length = length;
        this.parts = parts;
    }

    /** File offsets [{@code offset}, {@code offset + length}) of inode {@code ino}, within one band. */
    static BandRead of(long ino, long offset, int length, int blockSize, Map<Long, DirtyBlock> sealing,
                       Map<Long, DirtyBlock> dirty) {
        long first = offset / blockSize;
        long last = (offset + length - 1) / blockSize;
        List<Part> parts = new ArrayList<>();
        for (long b = first; b <= last; b++) {
            long blockStart = b * blockSize;
            int start = (int) Math.max(0, offset - blockStart);
            int end = (int) Math.min(blockSize, offset + length - blockStart);
            DirtyBlock inFlight = sealing.get(b);
            DirtyBlock current = dirty.get(b);
            DirtyBlock.Overlay older = inFlight == null ? null : inFlight.snapshot(start, end);
            DirtyBlock.Overlay newer = current == null ? null : current.snapshot(start, end);
            boolean covered = (current != null && current.written.covers(start, end))
                    || (inFlight != null && inFlight.written.covers(start, end) && newer == null);
            parts.add(new Part(b, start, end, (int) (blockStart + start - offset), older, newer, covered));
        }
        return new BandRead(ino, length, parts);
    }

    byte[] assemble(ChunkStore chunks) {
        byte[] out = new byte[length];
        for (Part p : parts) {
            if (!p.covered()) {
                chunks.readBlock(ino, p.block(), p.start(), out, p.outOffset(), p.end() - p.start());
            }
            int outStart = p.start() - p.outOffset();
            if (p.older() != null) {
                p.older().applyTo(out, outStart);
            }
            if (p.newer() != null) {
                p.newer().applyTo(out, outStart);
            }
        }
        return out;
    }
}
