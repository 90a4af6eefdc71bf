package io.tgcryptfs.journal;

import io.tgcryptfs.journal.WriteJournal.BlockKey;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The journal's live records against sorted maps, the structure they replace, over long random runs. */
class LiveRecordsTest {
    private static final BlockKey A = new BlockKey(7, 0);
    private static final BlockKey B = new BlockKey(7, 1);

    @Test
    void aSealSupersedesItsBlocksRecordsUpToItsNumberOnly() {
        LiveRecords live = new LiveRecords();
        live.add(1, A);
        live.add(2, B);
        live.add(3, A);
        live.add(4, A);

        live.supersede(A, 3);

        assertFalse(live.contains(1));
        assertTrue(live.contains(2));
        assertFalse(live.contains(3));
        assertTrue(live.contains(4));
        assertEquals(2, live.oldest());
        live.supersede(B, 4);
        assertEquals(4, live.oldest());
        assertTrue(live.hasAny(A));
        assertFalse(live.hasAny(B));
        live.supersede(A, 10);
        assertTrue(live.isEmpty());
        assertEquals(Long.MAX_VALUE, live.oldest());
        assertFalse(live.hasAny(A));
    }

    @Test
    void aSequenceBelowTheOldestIsRefused() {
        LiveRecords live = new LiveRecords();
        live.add(5, A);
        live.add(6, A);
        live.supersede(A, 5);
        live.oldest();

        assertThrows(IllegalArgumentException.class, () -> live.add(4, B));
    }

    @Test
    void matchesSortedMapsOverAMillionRecords() {
        Random random = new Random(42);
        LiveRecords live = new LiveRecords();
        TreeMap<Long, BlockKey> model = new TreeMap<>();
        Map<BlockKey, List<Long>> modelByBlock = new HashMap<>();
        List<BlockKey> blocks = new ArrayList<>();
        for (int b = 0; b < 300; b++) {
            blocks.add(new BlockKey(b % 3, b));
        }
        long sequence = 0;
        // block 0 is sealed only every 200,000 steps, the others often: the oldest then jumps by more than
        // the set keeps before shifting, with live bits above it
        for (int step = 0; step < 1_000_000; step++) {
            if (step % 200_000 == 0) {
                supersede(live, model, modelByBlock, blocks.get(0), sequence);
            }
            if (random.nextInt(3) > 0) {
                BlockKey block = blocks.get(random.nextInt(blocks.size()));
                live.add(++sequence, block);
                model.put(sequence, block);
                modelByBlock.computeIfAbsent(block, k -> new ArrayList<>()).add(sequence);
            } else {
                supersede(live, model, modelByBlock, blocks.get(1 + random.nextInt(blocks.size() - 1)),
                        sequence - random.nextInt(20));
            }
            if (step % 97 == 0) {
                assertEquals(model.isEmpty() ? Long.MAX_VALUE : model.firstKey(), live.oldest(), "step " + step);
                long probe = 1 + (long) (random.nextDouble() * sequence);
                assertEquals(model.containsKey(probe), live.contains(probe), "sequence " + probe + " at step " + step);
                BlockKey block = blocks.get(random.nextInt(blocks.size()));
                assertEquals(modelByBlock.containsKey(block), live.hasAny(block));
            }
        }
        assertEquals(model.isEmpty(), live.isEmpty());
        // the set shifts whenever the oldest is found 65,536 or more above its base, which starts at 1
        assertTrue(live.oldest() > 3 * 65_536, "the oldest moved past several shifts: " + live.oldest());
    }

    private static void supersede(LiveRecords live, TreeMap<Long, BlockKey> model, Map<BlockKey, List<Long>> modelByBlock,
                                  BlockKey block, long upTo) {
        live.supersede(block, upTo);
        List<Long> mine = modelByBlock.getOrDefault(block, new ArrayList<>());
        mine.removeIf(s -> s <= upTo && model.remove(s) != null);
        if (mine.isEmpty()) {
            modelByBlock.remove(block);
        }
    }
}
