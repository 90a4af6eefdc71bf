package io.tgcryptfs.chunk;

import io.tgcryptfs.fs.PackId;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The pack cache's bookkeeping: which packs its directory holds and their bytes against the bound,
 * least recently used first, and which are being read (pinned). Eviction passes pinned packs by, and
 * chooses and deletes under the lock a pin takes: a pack chosen just before a reader pinned it lost its
 * file under that reader when the delete came after, even a copy downloaded again meanwhile. The cache
 * may so exceed its bound by what readers hold; the last of them to finish evicts. Thread-safe.
 */
final class PackLru {
    /** Deletes a pack's cached file (called under the lock). */
    interface Deleter {
        void delete(PackId pack);
    }

    private final long maxBytes;
    private final LinkedHashMap<PackId, Long> packs = new LinkedHashMap<>(64, 0.75f, true);
    private final Map<PackId, Integer> pins = new HashMap<>();
    private long bytes;

    PackLru(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** A pack file is now in the cache directory (again, perhaps: counted once). */
    synchronized void add(PackId pack, long size) {
        Long before = packs.put(pack, size);
        bytes += size - (before == null ? 0 : before);
    }

    /** Whether the pack is cached; a use for the LRU if it is. */
    synchronized boolean touch(PackId pack) {
        return packs.get(pack) != null;
    }

    synchronized boolean contains(PackId pack) {
        return packs.containsKey(pack);
    }

    synchronized void remove(PackId pack) {
        Long size = packs.remove(pack);
        if (size != null) {
            bytes -= size;
        }
    }

    synchronized void pin(PackId pack) {
        pins.merge(pack, 1, Integer::sum);
    }

    /** A read is done: a use for the LRU. Returns whether the cache is over its bound now. */
    synchronized boolean unpin(PackId pack) {
        pins.computeIfPresent(pack, (k, n) -> n == 1 ? null : n - 1);
        packs.get(pack);
        return bytes > maxBytes;
    }

    /** Deletes least recently used packs nobody is reading until the cache is within its bound. */
    synchronized void evict(Deleter deleter) {
        while (bytes > maxBytes) {
            PackId victim = eldestUnpinned();
            if (victim == null) {
                return; // every cached pack is being read: the last read to finish evicts
            }
            bytes -= packs.remove(victim);
            deleter.delete(victim);
        }
    }

    /** Deletes every cached pack; returns the bytes freed. */
    synchronized long clear(Deleter deleter) {
        long freed = bytes;
        packs.keySet().forEach(deleter::delete);
        packs.clear();
        bytes = 0;
        return freed;
    }

    synchronized long bytes() {
        return bytes;
    }

    private PackId eldestUnpinned() {
        for (PackId pack : packs.keySet()) { // least recently used first; iterating does not reorder
            if (!pins.containsKey(pack)) {
                return pack;
            }
        }
        return null;
    }
}
