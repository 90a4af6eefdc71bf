package io.tgcryptfs.engine;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RangeSetTest {
    private static String show(List<long[]> ranges) {
        StringBuilder sb = new StringBuilder();
        for (long[] r : ranges) {
            sb.append('[').append(r[0]).append(',').append(r[1]).append(')');
        }
        return sb.toString();
    }

    private static RangeSet of(long... bounds) {
        RangeSet s = new RangeSet();
        for (int i = 0; i < bounds.length; i += 2) {
            s.add(bounds[i], bounds[i + 1]);
        }
        return s;
    }

    @Test
    void disjointRanges_stayApart_inOrder() {
        assertEquals("[0,10)[20,30)[40,50)", show(of(40, 50, 0, 10, 20, 30).all()));
    }

    @Test
    void overlappingRanges_merge() {
        assertEquals("[0,25)", show(of(0, 10, 5, 25).all()));
        assertEquals("[0,30)", show(of(10, 30, 0, 15).all()));
        assertEquals("[0,30)", show(of(0, 30, 10, 20).all()));
    }

    @Test
    void touchingRanges_merge() {
        assertEquals("[0,20)", show(of(0, 10, 10, 20).all()));
        assertEquals("[0,20)", show(of(10, 20, 0, 10).all()));
    }

    @Test
    void aRangeBridgingSeveral_mergesThemAll() {
        assertEquals("[0,100)", show(of(0, 10, 20, 30, 40, 50, 90, 100, 5, 95).all()));
        assertEquals("[0,10)[15,55)[90,100)", show(of(0, 10, 20, 30, 40, 50, 90, 100, 15, 55).all()));
    }

    @Test
    void emptyOrInvertedRanges_areIgnored() {
        assertEquals("", show(of(5, 5, 9, 3).all()));
    }

    @Test
    void covers_onlyWhenOneRangeHoldsAllOfIt() {
        RangeSet s = of(0, 10, 20, 30);
        assertTrue(s.covers(0, 10));
        assertTrue(s.covers(2, 8));
        assertTrue(s.covers(20, 30));
        assertFalse(s.covers(5, 25), "a gap in the middle");
        assertFalse(s.covers(0, 11));
        assertFalse(new RangeSet().covers(0, 1));
        assertTrue(of(0, 10, 10, 20).covers(0, 20), "touching writes cover the whole");
    }

    @Test
    void clipped_cutsToTheWindow_andDropsWhatLiesOutside() {
        RangeSet s = of(0, 10, 20, 30, 40, 50);
        assertEquals("[5,10)[20,25)", show(s.clipped(5, 25)));
        assertEquals("", show(s.clipped(10, 20)));
        assertEquals("[20,30)", show(s.clipped(15, 35)));
    }

    @Test
    void bytes_countsWhatTheRangesCover_onceWhereWritesOverlap() {
        assertEquals(0, new RangeSet().bytes());
        assertEquals(20, of(0, 10, 20, 30).bytes());
        assertEquals(30, of(0, 10, 20, 30, 5, 25).bytes(), "a write bridging two ranges");
        assertEquals(10, of(0, 10, 2, 8, 0, 10).bytes(), "rewrites inside a range");
        assertEquals(15, of(0, 10, 10, 15).bytes(), "touching writes");
        assertEquals(0, of(5, 5, 9, 3).bytes());
    }
}
