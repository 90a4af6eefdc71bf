package io.tgcryptfs.chunk;

import io.tgcryptfs.fs.ChunkId;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class PlaintextCacheTest {
    private static PlaintextCache.Key id(int n) {
        byte[] b = new byte[ChunkId.LENGTH];
        Arrays.fill(b, (byte) n);
        return new PlaintextCache.Key(ChunkId.of(b), 0);
    }

    @Test
    void put_beyondTheByteBound_evictsTheLeastRecentlyUsed() {
        PlaintextCache cache = new PlaintextCache(3000);
        cache.put(id(1), new byte[1000]);
        cache.put(id(2), new byte[1000]);
        cache.put(id(3), new byte[1000]);
        assertEquals(3000, cache.bytes());
        cache.get(id(1)); // 1 is now the most recent, 2 the eldest
        cache.put(id(4), new byte[1000]);
        assertNull(cache.get(id(2)));
        assertNotNull(cache.get(id(1)));
        assertNotNull(cache.get(id(3)));
        assertNotNull(cache.get(id(4)));
        assertEquals(3000, cache.bytes());
    }

    @Test
    void put_largeEntry_evictsAsManyAsNeeded() {
        PlaintextCache cache = new PlaintextCache(4000);
        for (int i = 0; i < 4; i++) {
            cache.put(id(i), new byte[1000]);
        }
        cache.put(id(9), new byte[2500]);
        assertEquals(3500, cache.bytes());
        assertNull(cache.get(id(0)));
        assertNull(cache.get(id(1)));
        assertNull(cache.get(id(2)));
        assertNotNull(cache.get(id(3)));
        assertNotNull(cache.get(id(9)));
    }

    @Test
    void put_entryLargerThanTheCache_isNotKept() {
        PlaintextCache cache = new PlaintextCache(1000);
        cache.put(id(1), new byte[500]);
        cache.put(id(2), new byte[1001]);
        assertNull(cache.get(id(2)));
        assertNotNull(cache.get(id(1)));
        assertEquals(500, cache.bytes());
    }

    @Test
    void put_sameIdAgain_replacesAndCountsOnce() {
        PlaintextCache cache = new PlaintextCache(10_000);
        byte[] second = new byte[300];
        cache.put(id(1), new byte[1000]);
        cache.put(id(1), second);
        assertSame(second, cache.get(id(1)));
        assertEquals(300, cache.bytes());
    }
}
