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
    final byte[] data;
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
        this.data = new byte[blockSize];
        this.createdNanos = createdNanos;
        this.lastWriteNanos = createdNanos;
    }

    void write(int at, byte[] src, int srcOffset, int length) {
        System.arraycopy(src, srcOffset, data, at, length);
        written.add(at, at + length);
        sinceJournal.add(at, at + length);
    }

    /** Bytes the next journal record of this version would hold. */
    long unjournaledBytes() {
        long n = 0;
        for (long[] r : sinceJournal.all()) {
            n += r[1] - r[0];
        }
        return n;
    }

    /**
     * The ranges written since the last record, with their bytes, for the next journal record; a replay
     * applies every record of the block in order, so the records add up to the whole overlay.
     */
    List<JournalRecord.Range> takeJournalRanges() {
        List<JournalRecord.Range> out = new java.util.ArrayList<>();
        for (long[] r : sinceJournal.all()) {
            out.add(new JournalRecord.Range((int) r[0],
                    java.util.Arrays.copyOfRange(data, (int) r[0], (int) r[1])));
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
        return written.covers(0, data.length);
    }

    /** A copy of what this overlay says about [start, end), safe to use on another thread. */
    Overlay snapshot(int start, int end) {
        List<long[]> ranges = written.clipped(start, end);
        byte[] slice = new byte[end - start];
        for (long[] r : ranges) {
            System.arraycopy(data, (int) r[0], slice, (int) r[0] - start, (int) (r[1] - r[0]));
        }
        return new Overlay(start, slice, ranges);
    }

    /** Applies every written range onto {@code block} (a whole block). */
    void applyTo(byte[] block) {
        for (long[] r : written.all()) {
            System.arraycopy(data, (int) r[0], block, (int) r[0], (int) (r[1] - r[0]));
        }
    }

    /** Applies this overlay (older) beneath {@code newer}: the result holds both, newer bytes winning. */
    DirtyBlock mergedUnder(DirtyBlock newer) {
        DirtyBlock merged = new DirtyBlock(data.length, createdNanos);
        merged.lastWriteNanos = Math.max(lastWriteNanos, newer.lastWriteNanos);
        applyTo(merged.data);
        for (long[] r : written.all()) {
            merged.written.add(r[0], r[1]);
        }
        newer.applyTo(merged.data);
        for (long[] r : newer.written.all()) {
            merged.written.add(r[0], r[1]);
        }
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
