package io.tgcryptfs.engine;

import io.tgcryptfs.journal.JournalRecord;

import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Written bytes of one block not yet sealed, as an overlay: only the ranges in {@code written} are
 * meaningful; the rest comes from the stored chunk when the block is sealed or read. Writes never wait
 * for a download this way. Mutable while dirty; handed to a seal task it is never touched again.
 */
final class DirtyBlock {
    private final BlockBytes bytes;
    private final int blockSize;
    final RangeSet written = new RangeSet();
    final long createdNanos;
    /** Set by the band on every write: a block still being written is not cold. */
    long lastWriteNanos;
    boolean sealRequested;
    /** Ranges written since the last journal record of this block: what the next fsync journals. */
    private RangeSet sinceJournal = new RangeSet();
    /**
     * While this version is being sealed: the record an fsync took of it meanwhile (0: none), and whether
     * the seal has committed. The band's actor and the seal task meet here, hence the lock.
     */
    private long journaledWhileSealing;
    private boolean sealCommitted;

    DirtyBlock(int blockSize, long createdNanos) {
        this(new BlockBytes(blockSize), blockSize, createdNanos);
    }

    private DirtyBlock(BlockBytes bytes, int blockSize, long createdNanos) {
        this.bytes = bytes;
        this.blockSize = blockSize;
        this.createdNanos = createdNanos;
        this.lastWriteNanos = createdNanos;
    }

    /** Bytes of memory (and of the dirty budget) writing [at, at + length) adds. */
    long growth(int at, int length) {
        return bytes.growth(at, length);
    }

    /** Bytes of memory this version holds: its share of the dirty budget. */
    long memoryBytes() {
        return bytes.memoryBytes();
    }

    void write(int at, byte[] src, int srcOffset, int length) {
        bytes.write(at, src, srcOffset, length);
        written.add(at, at + length);
        sinceJournal.add(at, at + length);
    }

    /** Whether nothing was written to this version yet. */
    boolean isEmpty() {
        return bytes.isEmpty();
    }

    /** Writes the whole block by keeping {@code block} itself, which the caller hands over ({@link BlockBytes#adopt}). */
    void adoptWhole(byte[] block) {
        bytes.adopt(block);
        written.add(0, blockSize);
        sinceJournal.add(0, blockSize);
    }

    /** Bytes the next journal record of this version would hold. */
    long unjournaledBytes() {
        return sinceJournal.bytes();
    }

    /**
     * The ranges written since the last record, with their bytes, for the next journal record; a replay
     * applies every record of the block in order, so the records add up to the whole overlay.
     */
    List<JournalRecord.Range> takeJournalRanges() {
        List<JournalRecord.Range> out = new java.util.ArrayList<>();
        for (long[] r : sinceJournal.all()) {
            byte[] range = new byte[(int) (r[1] - r[0])];
            bytes.copyOut((int) r[0], (int) r[1], range, 0);
            out.add(new JournalRecord.Range((int) r[0], range));
        }
        sinceJournal = new RangeSet();
        return out;
    }

    /**
     * On the band's actor, while this version of {@code block} of {@code ino} is being sealed: a record
     * (numbered by {@code number}) of what it holds that no record does yet; none when the seal has
     * committed already.
     */
    synchronized Optional<JournalRecord> journalWhileSealing(LongSupplier number, long ino, long block) {
        if (sealCommitted || unjournaledBytes() == 0) {
            return Optional.empty();
        }
        journaledWhileSealing = number.getAsLong();
        return Optional.of(new JournalRecord(journaledWhileSealing, ino, block, takeJournalRanges()));
    }

    /** On the seal task, once this version is committed: the sequence of the record taken meanwhile, or 0. */
    synchronized long sealCommitted() {
        sealCommitted = true;
        return journaledWhileSealing;
    }

    boolean full() {
        return written.covers(0, blockSize);
    }

    /** The whole block as written, without a copy, when every byte of it was; else null. */
    byte[] wholeIfFull() {
        return full() ? bytes.wholeArray() : null;
    }

    /** A copy of what this overlay says about [start, end), safe to use on another thread. */
    Overlay snapshot(int start, int end) {
        List<long[]> ranges = written.clipped(start, end);
        byte[] slice = new byte[end - start];
        for (long[] r : ranges) {
            bytes.copyOut((int) r[0], (int) r[1], slice, (int) r[0] - start);
        }
        return new Overlay(start, slice, ranges);
    }

    /** Applies every written range onto {@code block} (a whole block). */
    void applyTo(byte[] block) {
        for (long[] r : written.all()) {
            bytes.copyOut((int) r[0], (int) r[1], block, (int) r[0]);
        }
    }

    /**
     * Applies this overlay (older) beneath {@code newer}: the result holds both, newer bytes winning, in
     * no more memory than the two held.
     */
    DirtyBlock mergedUnder(DirtyBlock newer) {
        DirtyBlock merged = new DirtyBlock(BlockBytes.forMerging(bytes, newer.bytes), blockSize, createdNanos);
        merged.lastWriteNanos = Math.max(lastWriteNanos, newer.lastWriteNanos);
        copyWrittenInto(merged);
        newer.copyWrittenInto(merged);
        merged.sealRequested = sealRequested || newer.sealRequested;
        // the failed seal's records stay live (never superseded); what neither version journaled yet is still due
        for (long[] r : sinceJournal.all()) {
            merged.sinceJournal.add(r[0], r[1]);
        }
        for (long[] r : newer.sinceJournal.all()) {
            merged.sinceJournal.add(r[0], r[1]);
        }
        return merged;
    }

    private void copyWrittenInto(DirtyBlock target) {
        for (long[] r : written.all()) {
            byte[] range = new byte[(int) (r[1] - r[0])];
            bytes.copyOut((int) r[0], (int) r[1], range, 0);
            target.bytes.put((int) r[0], range, 0, range.length);
            target.written.add(r[0], r[1]);
        }
    }

    /** Bytes of [start, end) of a block as captured at read time. */
    record Overlay(int start, byte[] slice, List<long[]> ranges) {
        void applyTo(byte[] out, int outStart) {
            for (long[] r : ranges) {
                int len = (int) (r[1] - r[0]);
                int from = (int) r[0] - start;
                int to = (int) r[0] - outStart;
                System.arraycopy(slice, from, out, to, len);
            }
        }
    }
}
