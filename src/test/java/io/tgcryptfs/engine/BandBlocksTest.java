package io.tgcryptfs.engine;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BandBlocksTest {
    private static final int BLOCK = 4096;

    private final DirtyBudget budget = new DirtyBudget(64 * BLOCK, BLOCK);
    private final BandBlocks blocks = new BandBlocks(BLOCK);

    private BandBlocks.Applied write(long offset, int length, byte value) {
        byte[] data = new byte[length];
        java.util.Arrays.fill(data, value);
        return blocks.write(offset, data, 0, budget, () -> { });
    }

    @Test
    void aWriteAcrossBlocksMakesEachDirtyAndOnlyWholeOnesFull() {
        assertEquals(BandBlocks.Applied.APPLIED, write(BLOCK / 2, 2 * BLOCK, (byte) 1));
        assertEquals(List.of(0L, 1L, 2L), blocks.allDirty());
        assertEquals(List.of(1L), blocks.full(0, Long.MAX_VALUE));
        assertEquals(List.of(), blocks.full(0, 2L * BLOCK - 1), "a full block only partly inside the range is not the stream's");
        assertEquals(3, blocks.unsealed());
    }

    @Test
    void aWholeAlignedBlockIsKeptAsWritten_withoutACopy_andCostsTheBudgetOneBlock() {
        byte[] piece = new byte[BLOCK];
        java.util.Arrays.fill(piece, (byte) 7);
        long before = budget.dirtyBytes();
        assertEquals(BandBlocks.Applied.APPLIED, blocks.write(3L * BLOCK, piece, 0, budget, () -> { }));
        assertEquals(BLOCK, budget.dirtyBytes() - before);
        DirtyBlock sealing = blocks.startSeal(3);
        assertSame(piece, sealing.wholeIfFull(), "the write's array is the block's");
    }

    @Test
    void aBlockSizedWriteOffItsBoundaryOrOntoWrittenBytes_isCopied() {
        write(0, 16, (byte) 1);
        byte[] onto = new byte[BLOCK];
        blocks.write(0, onto, 0, budget, () -> { });
        byte[] across = new byte[BLOCK];
        blocks.write(BLOCK + BLOCK / 2, across, 0, budget, () -> { });
        onto[0] = 9;
        across[0] = 9;
        assertEquals(0, blocks.startSeal(0).wholeIfFull()[0], "written onto bytes already there: copied");
        byte[] out = new byte[BLOCK];
        blocks.startSeal(1).applyTo(out);
        assertEquals(0, out[BLOCK / 2], "across two blocks: copied");
    }

    @Test
    void aWriteTheBudgetHasNoRoomForChangesNothing() {
        DirtyBudget tiny = new DirtyBudget(4 * BLOCK, BLOCK);
        assertEquals(BandBlocks.Applied.APPLIED, blocks.write(0, new byte[4 * BLOCK], 0, tiny, () -> { }));
        assertEquals(BandBlocks.Applied.NO_ROOM, blocks.write(4L * BLOCK, new byte[BLOCK], 0, tiny, () -> { }));
        assertEquals(List.of(0L, 1L, 2L, 3L), blocks.allDirty());
    }

    @Test
    void aSecondSealOfABlockWaitsForTheFirstAndFollowsItWhenItCommits() {
        write(0, BLOCK, (byte) 1);
        DirtyBlock first = blocks.startSeal(0);
        assertTrue(first.full());
        write(0, 16, (byte) 2); // written again while its first version seals
        assertNull(blocks.startSeal(0), "one seal of a block at a time");
        assertEquals(2, blocks.unsealed());
        assertTrue(blocks.sealCommitted(0), "the newer version asked to be sealed next");
        assertEquals(1, blocks.unsealed());
        assertFalse(blocks.sealCommitted(7), "nothing dirty at a block never written");
    }

    @Test
    void aFailedSealIsDirtyAgainUnderTheNewerWrites() {
        write(0, BLOCK, (byte) 1);
        DirtyBlock sealed = blocks.startSeal(0);
        write(0, 16, (byte) 2);
        long release = blocks.sealFailed(0, sealed);
        assertTrue(release >= 0);
        assertTrue(blocks.noneSealing());
        DirtyBlock merged = blocks.startSeal(0);
        byte[] whole = merged.wholeIfFull();
        assertEquals(2, whole[0], "the newer write lies over the failed version");
        assertEquals(1, whole[16]);
    }

    @Test
    void aFailedSealWithNothingNewerKeepsItsVersion() {
        write(0, 100, (byte) 1);
        DirtyBlock sealed = blocks.startSeal(0);
        assertEquals(0, blocks.sealFailed(0, sealed), "its reservation stays with it");
        assertSame(sealed, blocks.startSeal(0));
    }

    @Test
    void uncommittedHoldsDirtyAndSealingVersions() {
        write(0, 100, (byte) 1);
        DirtyBlock sealing = blocks.startSeal(0);
        write(0, 100, (byte) 2);
        write(BLOCK, 100, (byte) 3);
        assertEquals(3, blocks.uncommitted().size());
        assertTrue(blocks.uncommitted().contains(sealing));
    }

    @Test
    void dueFollowsThePolicyAndDiscardDropsEveryDirtyBlock() {
        write(0, 100, (byte) 1);
        SealPolicy policy = new SealPolicy(Duration.ofSeconds(5), Duration.ofSeconds(60));
        assertEquals(List.of(), blocks.due(Duration.ofSeconds(1).toNanos(), policy));
        assertEquals(List.of(0L), blocks.due(Duration.ofSeconds(6).toNanos(), policy));
        byte[][] seen = new byte[1][];
        blocks.discardDirty((b, block) -> seen[0] = new byte[] {b.byteValue()});
        assertArrayEquals(new byte[] {0}, seen[0]);
        assertEquals(0, blocks.unsealed());
    }
}
