package io.tgcryptfs.journal;

import io.tgcryptfs.journal.WriteJournal.BlockKey;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * The journal's records no seal has superseded yet: whether a record is live, which blocks have live
 * records, and the oldest one. Sequences are numbered one by one in increasing order, and a seal
 * supersedes a prefix of its block's records, so a bit per sequence since the oldest live one and a
 * queue per block do in constant time what sorted maps did in a logarithmic one: with random writes and
 * an fsync every 32, hundreds of thousands of records are live until their blocks are sealed, and
 * numbering and superseding them in the maps took 8% of the mount's profile samples (about 1% now). The
 * price: a record that stays live (a block whose seals keep failing) keeps a bit for every record
 * numbered after it, an eighth of a byte each.
 *
 * <p>Not thread-safe: the journal calls it under its own lock.
 */
final class LiveRecords {
    /** Cleared bits kept before the oldest live record before the set is shifted down. */
    private static final int SHIFT_AFTER = 1 << 16;

    /** Bit {@code s - base} is set while record {@code s} is live. */
    private BitSet bits = new BitSet();
    private long base = 1;
    /** Every bit below this index is clear: records numbered later are only ever higher. */
    private int oldestIndex;
    private int count;
    private final Map<BlockKey, Sequences> byBlock = new HashMap<>();

    /** Record {@code sequence}, higher than every one added before, is live. */
    void add(long sequence, BlockKey block) {
        if (sequence < base + oldestIndex) {
            throw new IllegalArgumentException("sequence " + sequence + " is not above the ones before it");
        }
        bits.set(index(sequence));
        count++;
        byBlock.computeIfAbsent(block, k -> new Sequences()).add(sequence);
    }

    boolean contains(long sequence) {
        return sequence >= base && sequence - base <= Integer.MAX_VALUE && bits.get(index(sequence));
    }

    boolean hasAny(BlockKey block) {
        return byBlock.containsKey(block);
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** The oldest live record's sequence, or Long.MAX_VALUE when none is. */
    long oldest() {
        if (count == 0) {
            return Long.MAX_VALUE;
        }
        oldestIndex = bits.nextSetBit(oldestIndex);
        if (oldestIndex >= SHIFT_AFTER) {
            bits = bits.get(oldestIndex, Math.max(oldestIndex, bits.length()));
            base += oldestIndex;
            oldestIndex = 0;
        }
        return base + oldestIndex;
    }

    /** A seal of {@code block} superseded its records up to {@code sequence}: they are no longer live. */
    void supersede(BlockKey block, long sequence) {
        Sequences sequences = byBlock.get(block);
        if (sequences == null) {
            return;
        }
        while (!sequences.isEmpty() && sequences.first() <= sequence) {
            bits.clear(index(sequences.removeFirst()));
            count--;
        }
        if (sequences.isEmpty()) {
            byBlock.remove(block);
        }
    }

    private int index(long sequence) {
        return Math.toIntExact(sequence - base);
    }

    /** One block's live sequences, in increasing order, removed from the front. */
    private static final class Sequences {
        private long[] values = new long[4];
        private int head;
        private int size;

        void add(long sequence) {
            if (head + size == values.length) {
                // room at the front (removed ones) is reused before the array grows
                long[] next = size * 2 <= values.length ? values : new long[values.length * 2];
                System.arraycopy(values, head, next, 0, size);
                values = next;
                head = 0;
            }
            values[head + size++] = sequence;
        }

        boolean isEmpty() {
            return size == 0;
        }

        long first() {
            return values[head];
        }

        long removeFirst() {
            size--;
            return values[head++];
        }
    }
}
