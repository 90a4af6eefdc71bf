package io.tgcryptfs.gateway;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DirectoryCacheTest {
    @Test
    void aRememberedDirectory_isFound_untilCleared() {
        DirectoryCache cache = new DirectoryCache();
        assertEquals(-1, cache.find("/a"));
        cache.remember("/a", 7, cache.generation());
        assertEquals(7, cache.find("/a"));
        cache.clear();
        assertEquals(-1, cache.find("/a"));
    }

    @Test
    void aWalkThatBeganBeforeAClear_leavesNothingBehind() {
        DirectoryCache cache = new DirectoryCache();
        long walkBegan = cache.generation();
        cache.clear(); // a directory moved while the walk looked at an older snapshot
        cache.remember("/a/b", 9, walkBegan);
        assertEquals(-1, cache.find("/a/b"));
        cache.remember("/a/b", 10, cache.generation());
        assertEquals(10, cache.find("/a/b"));
    }

    @Test
    void anEntryRememberedJustBeforeAClear_doesNotCountAfterIt() {
        DirectoryCache cache = new DirectoryCache();
        long walkBegan = cache.generation();
        cache.remember("/a", 3, walkBegan);
        cache.clear();
        cache.remember("/b", 4, walkBegan); // raced the clear: tagged with the old generation
        assertEquals(-1, cache.find("/a"));
        assertEquals(-1, cache.find("/b"));
    }

    @Test
    void manyDirectories_startTheCacheOver_withoutLosingTheNewest() {
        DirectoryCache cache = new DirectoryCache();
        for (int i = 0; i < 40_000; i++) {
            cache.remember("/d" + i, i + 2, cache.generation());
        }
        assertEquals(40_001, cache.find("/d39999"));
    }
}
