package io.tgcryptfs.engine;

/**
 * The bytes of one block held in memory while it is dirty: 4 KiB pages while little of it is written,
 * the whole block as one array once a quarter of it is. Random small writes into a large sparse file
 * then hold (and count against the dirty budget) about what they wrote, not a whole block each; a
 * stream's writes land in one array, which a full block is sealed from without a copy.
 *
 * <p>{@link #growth} says, before a write, how many bytes of memory it adds; {@link #write} then takes
 * exactly that, so a band can reserve the budget first. Only bytes written are meaningful; the rest of
 * an array or page reads as zeros and is never used.
 */
final class BlockBytes {
    static final int PAGE = 4096;
    private final int blockSize;
    /** The whole block, once it went contiguous; null while paged. */
    private byte[] whole;
    /** Paged: the pages written to, null where none. */
    private byte[][] pages;
    private int pageCount;

    /**
     * An empty block, holding no memory yet: it pages its bytes when its size allows (a multiple of four
     * pages), else takes the whole block at its first write.
     */
    BlockBytes(int blockSize) {
        this.blockSize = blockSize;
        if (blockSize % PAGE == 0 && blockSize >= 4 * PAGE) {
            this.pages = new byte[blockSize / PAGE][];
        }
    }

    /** Bytes of memory held: what the block costs the dirty budget. */
    long memoryBytes() {
        return whole != null ? blockSize : (long) pageCount * PAGE;
    }

    /** Bytes of memory writing [at, at + length) adds. */
    long growth(int at, int length) {
        if (whole != null) {
            return 0;
        }
        if (pages == null) {
            return blockSize;
        }
        int added = newPages(at, length);
        return goesWhole(added) ? blockSize - memoryBytes() : (long) added * PAGE;
    }

    void write(int at, byte[] src, int srcOffset, int length) {
        if (whole == null && pages == null) {
            whole = new byte[blockSize];
        } else if (whole == null && goesWhole(newPages(at, length))) {
            byte[] all = new byte[blockSize];
            for (int page = 0; page < pages.length; page++) {
                if (pages[page] != null) {
                    System.arraycopy(pages[page], 0, all, page * PAGE, PAGE);
                }
            }
            whole = all;
            pages = null;
            pageCount = 0;
        }
        if (whole != null) {
            System.arraycopy(src, srcOffset, whole, at, length);
            return;
        }
        put(at, src, srcOffset, length);
    }

    /**
     * Copies [from, to) of the block into {@code dst} at {@code dstOffset}; pages never written give
     * zeros (callers copy only written ranges).
     */
    void copyOut(int from, int to, byte[] dst, int dstOffset) {
        if (whole != null) {
            System.arraycopy(whole, from, dst, dstOffset, to - from);
            return;
        }
        if (pages == null) {
            java.util.Arrays.fill(dst, dstOffset, dstOffset + to - from, (byte) 0);
            return;
        }
        int pos = from;
        while (pos < to) {
            int page = pos / PAGE;
            int inPage = pos % PAGE;
            int n = Math.min(PAGE - inPage, to - pos);
            if (pages[page] != null) {
                System.arraycopy(pages[page], inPage, dst, dstOffset + pos - from, n);
            } else {
                java.util.Arrays.fill(dst, dstOffset + pos - from, dstOffset + pos - from + n, (byte) 0);
            }
            pos += n;
        }
    }

    /** Whether nothing was written yet: no memory held. */
    boolean isEmpty() {
        return whole == null && pageCount == 0;
    }

    /**
     * Takes {@code block} (a whole block's bytes, which the caller hands over and never touches again) as
     * this empty block's array: a stream's full-block writes are held without a second copy.
     */
    void adopt(byte[] block) {
        if (!isEmpty() || block.length != blockSize) {
            throw new IllegalStateException("only an empty block adopts a whole block's array");
        }
        whole = block;
        pages = null;
    }

    /** The whole block's array when it is held whole; null while paged. */
    byte[] wholeArray() {
        return whole;
    }

    /**
     * An empty block for merging {@code a} and {@code b} into: whole if either is, else paged and never
     * going whole while the merge writes, so it holds at most what the two held together.
     */
    static BlockBytes forMerging(BlockBytes a, BlockBytes b) {
        BlockBytes merged = new BlockBytes(a.blockSize);
        if (merged.pages == null || a.whole != null || b.whole != null) {
            merged.whole = new byte[a.blockSize];
            merged.pages = null;
        }
        return merged;
    }

    /** Writes without going whole (merges). */
    void put(int at, byte[] src, int srcOffset, int length) {
        if (whole != null) {
            System.arraycopy(src, srcOffset, whole, at, length);
            return;
        }
        int pos = at;
        while (pos < at + length) {
            int page = pos / PAGE;
            int inPage = pos % PAGE;
            int n = Math.min(PAGE - inPage, at + length - pos);
            if (pages[page] == null) {
                pages[page] = new byte[PAGE];
                pageCount++;
            }
            System.arraycopy(src, srcOffset + pos - at, pages[page], inPage, n);
            pos += n;
        }
    }

    private int newPages(int at, int length) {
        if (length <= 0) {
            return 0;
        }
        int added = 0;
        for (int page = at / PAGE; page <= (at + length - 1) / PAGE; page++) {
            if (pages[page] == null) {
                added++;
            }
        }
        return added;
    }

    /** A quarter of the block written: the pages' bookkeeping costs more than the memory they save. */
    private boolean goesWhole(int addedPages) {
        return (long) (pageCount + addedPages) * PAGE >= blockSize / 4;
    }
}
