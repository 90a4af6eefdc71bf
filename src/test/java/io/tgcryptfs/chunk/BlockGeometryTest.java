package io.tgcryptfs.chunk;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BlockGeometryTest {
    private final BlockGeometry geometry = new BlockGeometry(4096, 16384);

    @Test
    void blockIndex_offsetsInsideABlock_mapToThatBlock() {
        assertEquals(0, geometry.blockIndex(0));
        assertEquals(0, geometry.blockIndex(4095));
        assertEquals(1, geometry.blockIndex(4096));
        assertEquals(3, geometry.blockIndex(16383));
        assertEquals(4, geometry.blockIndex(16384));
    }

    @Test
    void bandIndex_offsetsInsideABand_mapToThatBand() {
        assertEquals(0, geometry.bandIndex(0));
        assertEquals(0, geometry.bandIndex(16383));
        assertEquals(1, geometry.bandIndex(16384));
        assertEquals(2, geometry.bandIndex(2 * 16384 + 5));
    }

    @Test
    void starts_areIndexTimesSize_evenBeyondIntRange() {
        assertEquals(8192, geometry.blockStart(2));
        assertEquals(32768, geometry.bandStart(2));
        long hugeBlock = 1L << 32;
        assertEquals(hugeBlock * 4096, geometry.blockStart(hugeBlock));
        assertEquals(hugeBlock * 16384, geometry.bandStart(hugeBlock));
    }

    @Test
    void blocksPerBand_isBandOverBlock() {
        assertEquals(4, geometry.blocksPerBand());
        assertEquals(1, new BlockGeometry(4096, 4096).blocksPerBand());
    }

    @Test
    void firstBlockAtOrAfter_roundsUpToTheNextWholeBlock() {
        assertEquals(0, geometry.firstBlockAtOrAfter(0));
        assertEquals(1, geometry.firstBlockAtOrAfter(1));
        assertEquals(1, geometry.firstBlockAtOrAfter(4095));
        assertEquals(1, geometry.firstBlockAtOrAfter(4096));
        assertEquals(2, geometry.firstBlockAtOrAfter(4097));
    }

    @Test
    void constructor_bandNotAMultipleOfBlock_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> new BlockGeometry(4096, 6000));
        assertThrows(IllegalArgumentException.class, () -> new BlockGeometry(0, 4096));
        assertThrows(IllegalArgumentException.class, () -> new BlockGeometry(4096, 0));
        assertThrows(IllegalArgumentException.class, () -> new BlockGeometry(-4096, -8192));
    }
}
