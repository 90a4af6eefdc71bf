package io.tgcryptfs.chunk;

import io.tgcryptfs.fs.PackId;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PackLruTest {
    private final SplittableRandom random = new SplittableRandom(11);
    private final PackLru lru = new PackLru(100);
    private final List<PackId> deleted = new ArrayList<>();

    private PackId pack() {
        return PackId.random(random);
    }

    @Test
    void overTheBound_theLeastRecentlyUsedGoes() {
        PackId a = pack();
        PackId b = pack();
        PackId c = pack();
        lru.add(a, 50);
        lru.add(b, 50);
        lru.touch(a);
        lru.add(c, 50);
        lru.evict(deleted::add);
        assertEquals(List.of(b), deleted);
        assertEquals(100, lru.bytes());
    }

    @Test
    void aPackBeingRead_isPassedBy_andTheLastReadToFinishEvicts() {
        PackId a = pack();
        PackId b = pack();
        lru.add(a, 60);
        lru.pin(a);
        lru.pin(a); // two readers
        lru.add(b, 60);
        lru.pin(b);
        lru.evict(deleted::add);
        assertEquals(List.of(), deleted, "both are being read: the cache stays over its bound");
        assertTrue(lru.unpin(b), "over the bound when b's read ends");
        lru.evict(deleted::add);
        assertEquals(List.of(b), deleted, "a is still pinned by a reader; b, the only unpinned pack, goes");
        assertFalse(lru.unpin(a));
        assertFalse(lru.unpin(a));
        assertTrue(lru.contains(a));
    }

    @Test
    void aPackAddedTwice_countsOnce_andRemovingItGivesItsBytesBack() {
        PackId a = pack();
        lru.add(a, 40);
        lru.add(a, 40);
        assertEquals(40, lru.bytes());
        lru.remove(a);
        assertEquals(0, lru.bytes());
        assertFalse(lru.touch(a));
    }

    @Test
    void clear_deletesEveryPack_andReturnsTheirBytes() {
        PackId a = pack();
        PackId b = pack();
        lru.add(a, 30);
        lru.add(b, 20);
        assertEquals(50, lru.clear(deleted::add));
        assertEquals(List.of(a, b), deleted);
        assertEquals(0, lru.bytes());
    }
}
