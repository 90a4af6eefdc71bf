package io.tgcryptfs.engine;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlockBytesTest {
    private static final int BS = 64 * BlockBytes.PAGE;
    private final Random random = new Random(5);

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** Writes as a band does: growth asked first, then exactly that much taken. */
    private static void write(BlockBytes block, byte[] model, int at, byte[] data) {
        long before = block.memoryBytes();
        long growth = block.growth(at, data.length);
        block.write(at, data, 0, data.length);
        assertEquals(before + growth, block.memoryBytes(), "growth foretold what the write took");
        System.arraycopy(data, 0, model, at, data.length);
    }

    @Test
    void smallWrites_holdOnlyTheirPages_evenAcrossAPageBoundary() {
        BlockBytes block = new BlockBytes(BS);
        assertEquals(0, block.memoryBytes());
        byte[] model = new byte[BS];
        write(block, model, 100, bytes(10));
        assertEquals(BlockBytes.PAGE, block.memoryBytes());
        write(block, model, 3 * BlockBytes.PAGE - 5, bytes(10)); // pages 2 and 3
        assertEquals(3 * BlockBytes.PAGE, block.memoryBytes());
        write(block, model, 110, bytes(20)); // page 0 again
        assertEquals(3 * BlockBytes.PAGE, block.memoryBytes());
        assertNull(block.wholeArray());

        byte[] out = new byte[BS];
        block.copyOut(0, BS, out, 0);
        assertArrayEquals(model, out, "unwritten pages read as zeros");
    }

    @Test
    void aQuarterWritten_goesWhole_keepingEveryByte() {
        BlockBytes block = new BlockBytes(BS);
        byte[] model = new byte[BS];
        for (int page = 0; page < 15; page++) {
            write(block, model, page * 4 * BlockBytes.PAGE % BS + page / 16, bytes(300));
        }
        assertNull(block.wholeArray());
        write(block, model, BS - 50, bytes(50)); // the 16th page: a quarter
        assertNotNull(block.wholeArray());
        assertEquals(BS, block.memoryBytes());
        assertEquals(0, block.growth(0, BS), "whole: nothing more to take");
        assertArrayEquals(model, block.wholeArray());
    }

    @Test
    void aLargeFirstWrite_goesWholeAtOnce() {
        BlockBytes block = new BlockBytes(BS);
        assertEquals(BS, block.growth(0, BS / 2));
        write(block, new byte[BS], 0, bytes(BS / 2));
        assertNotNull(block.wholeArray());
    }

    @Test
    void aBlockTooSmallToPage_takesTheWholeBlockAtItsFirstWrite() {
        BlockBytes block = new BlockBytes(8192);
        assertEquals(0, block.memoryBytes());
        assertEquals(8192, block.growth(10, 1));
        byte[] model = new byte[8192];
        write(block, model, 10, bytes(1));
        assertArrayEquals(model, block.wholeArray());
    }

    @Test
    void aMerge_holdsNoMoreThanTheTwoDid() {
        BlockBytes a = new BlockBytes(BS);
        BlockBytes b = new BlockBytes(BS);
        byte[] model = new byte[BS];
        for (int page = 0; page < 10; page++) {
            write(a, model, page * BlockBytes.PAGE, bytes(8));
            write(b, model, (page + 30) * BlockBytes.PAGE, bytes(8));
        }
        BlockBytes merged = BlockBytes.forMerging(a, b);
        byte[] tmp = new byte[BS];
        a.copyOut(0, BS, tmp, 0);
        merged.put(0, tmp, 0, 10 * BlockBytes.PAGE);
        b.copyOut(0, BS, tmp, 0);
        merged.put(30 * BlockBytes.PAGE, tmp, 30 * BlockBytes.PAGE, 10 * BlockBytes.PAGE);
        assertTrue(merged.memoryBytes() <= a.memoryBytes() + b.memoryBytes());
        assertNull(merged.wholeArray(), "20 pages stay paged while merging");
    }

    @Test
    void onlyAnEmptyBlockAdoptsAWholeArray() {
        BlockBytes block = new BlockBytes(BS);
        byte[] whole = bytes(BS);
        block.adopt(whole);
        assertEquals(BS, block.memoryBytes());
        org.junit.jupiter.api.Assertions.assertSame(whole, block.wholeArray());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> block.adopt(bytes(BS)));
        BlockBytes paged = new BlockBytes(BS);
        paged.write(0, bytes(10), 0, 10);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> paged.adopt(bytes(BS)));
    }
}
