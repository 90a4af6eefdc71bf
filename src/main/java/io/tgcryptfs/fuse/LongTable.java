package io.tgcryptfs.fuse;

import java.util.Arrays;

/**
 * A hash table from non-zero {@code long} keys to a fixed number of {@code long} values, in one array
 * (open addressing, linear probing, deletion by shifting back): about 40 bytes per entry with two values,
 * where a {@code HashMap} of boxed keys and arrays costs over 100. {@link NodeIds} holds one entry per
 * file the kernel holds, and the kernel may hold millions. A slot number stays valid until the next
 * {@link #insert} or {@link #remove}. Not thread-safe.
 */
final class LongTable {
    private static final int MIN_CAPACITY = 16;

    private final int stride;
    /** Per slot: the key (0: empty), then the values. */
    private long[] slots;
    private int mask;
    private int size;

    /** @param values how many values each key has */
    LongTable(int values) {
        this.stride = 1 + values;
        allocate(MIN_CAPACITY);
    }

    int size() {
        return size;
    }

    /** The slot holding {@code key}, or -1. */
    int find(long key) {
        for (int i = index(key); ; i = (i + 1) & mask) {
            long k = slots[i * stride];
            if (k == key) {
                return i;
            }
            if (k == 0) {
                return -1;
            }
        }
    }

    /** The slot holding {@code key}, added with all values 0 if it was not there. */
    int insert(long key) {
        if (key == 0) {
            throw new IllegalArgumentException("0 is not a key");
        }
        if ((size + 1) * 4L > (mask + 1) * 3L) {
            grow();
        }
        for (int i = index(key); ; i = (i + 1) & mask) {
            long k = slots[i * stride];
            if (k == key) {
                return i;
            }
            if (k == 0) {
                slots[i * stride] = key;
                size++;
                return i;
            }
        }
    }

    long value(int slot, int column) {
        return slots[slot * stride + 1 + column];
    }

    void setValue(int slot, int column, long value) {
        slots[slot * stride + 1 + column] = value;
    }

    /** Removes {@code key} if present; later keys of its probe run move back so none is lost. */
    void remove(long key) {
        int gap = find(key);
        if (gap < 0) {
            return;
        }
        size--;
        for (int i = (gap + 1) & mask; ; i = (i + 1) & mask) {
            long k = slots[i * stride];
            if (k == 0) {
                break;
            }
            int home = index(k);
            // k may fill the gap unless its home lies cyclically in (gap, i]
            boolean homeAfterGap = gap <= i ? gap < home && home <= i : gap < home || home <= i;
            if (!homeAfterGap) {
                System.arraycopy(slots, i * stride, slots, gap * stride, stride);
                gap = i;
            }
        }
        Arrays.fill(slots, gap * stride, gap * stride + stride, 0);
    }

    private int index(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    private void grow() {
        long[] old = slots;
        allocate((mask + 1) * 2);
        size = 0;
        for (int s = 0; s < old.length; s += stride) {
            if (old[s] != 0) {
                int i = insert(old[s]);
                System.arraycopy(old, s + 1, slots, i * stride + 1, stride - 1);
            }
        }
    }

    private void allocate(int capacity) {
        slots = new long[capacity * stride];
        mask = capacity - 1;
    }
}
