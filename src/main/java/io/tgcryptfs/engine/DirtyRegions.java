package io.tgcryptfs.engine;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Which bands hold data not yet committed to LMDB (dirty or sealing blocks). Each band publishes its
 * own count, before it acknowledges a write and after a seal commits, so a reader that finds a band
 * clean may read it straight from LMDB and the chunk store without asking the actor: everything
 * acknowledged is already there. That saves four thread hand-offs per read.
 */
public final class DirtyRegions {
    private final ConcurrentHashMap<BandKey, Integer> unsealed = new ConcurrentHashMap<>();

    void publish(BandKey band, int unsealedBlocks) {
        if (unsealedBlocks == 0) {
            unsealed.remove(band);
        } else {
            unsealed.put(band, unsealedBlocks);
        }
    }

    public boolean isClean(BandKey band) {
        return !unsealed.containsKey(band);
    }
}
