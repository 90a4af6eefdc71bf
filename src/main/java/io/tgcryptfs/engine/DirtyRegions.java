package io.tgcryptfs.engine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which bands hold data not yet committed to LMDB: writes handed to the band but not yet applied, and
 * dirty or sealing blocks. Writers count their hand-overs; each band publishes its block count before
 * it reports a write applied and after a seal commits. A reader that finds a band clean may read it
 * straight from LMDB and the chunk store without asking the actor: every write that returned is
 * already there. That saves four thread hand-offs per read.
 */
public final class DirtyRegions {
    private final ConcurrentHashMap<BandKey, Integer> handedOver = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<BandKey, Integer> unsealed = new ConcurrentHashMap<>();
    /** Unsealed blocks holding bytes no fsync journaled: what a crash now would lose. */
    private final ConcurrentHashMap<BandKey, Integer> unbacked = new ConcurrentHashMap<>();

    /** A write is on its way to the band (called before it is sent). */
    public void handedOver(BandKey band) {
        handedOver.merge(band, 1, Integer::sum);
    }

    /** ...and the band applied it (called after the band published its blocks). */
    public void applied(BandKey band) {
        handedOver.computeIfPresent(band, (k, n) -> n == 1 ? null : n - 1);
    }

    void publish(BandKey band, int unsealedBlocks, int unbackedBlocks) {
        put(unsealed, band, unsealedBlocks);
        put(unbacked, band, unbackedBlocks);
    }

    private static void put(ConcurrentHashMap<BandKey, Integer> blocks, BandKey band, int count) {
        if (count == 0) {
            blocks.remove(band);
        } else {
            blocks.put(band, count);
        }
    }

    /**
     * About how many blocks of {@code ino} hold data not committed yet: its bands' dirty and sealing
     * blocks, and one for each band a write is on its way to (a look over the dirty bands only).
     */
    public long unsealedBlocks(long ino) {
        // hand-overs first, as in isClean: a band that publishes and takes its write off between the two
        // looks is then counted by the second, where looking the other way round counted it by neither
        List<BandKey> onTheirWay = new ArrayList<>(1);
        for (BandKey band : handedOver.keySet()) {
            if (band.ino() == ino) {
                onTheirWay.add(band);
            }
        }
        long blocks = 0;
        Set<BandKey> published = new HashSet<>();
        for (var band : unsealed.entrySet()) {
            if (band.getKey().ino() == ino) {
                blocks += band.getValue();
                published.add(band.getKey());
            }
        }
        for (BandKey band : onTheirWay) {
            blocks += published.contains(band) ? 0 : 1;
        }
        return blocks;
    }

    /** Whether any band of {@code ino} may hold unsealed data: asked at every delete, so it stops at the first. */
    public boolean mayHoldUnsealed(long ino) {
        return handedOver.keySet().stream().anyMatch(b -> b.ino() == ino)
                || unsealed.keySet().stream().anyMatch(b -> b.ino() == ino);
    }

    /**
     * Whether {@code ino} may hold written bytes that neither a committed seal nor an fsync's journal
     * record holds: a write on its way counts from before it is sent, and stays counted until its band has
     * published it.
     */
    public boolean mayHoldUnbacked(long ino) {
        // hand-overs first, as in isClean
        return handedOver.keySet().stream().anyMatch(b -> b.ino() == ino)
                || unbacked.keySet().stream().anyMatch(b -> b.ino() == ino);
    }

    public boolean isClean(BandKey band) {
        // hand-overs first: a write applied between the two looks shows in the blocks, not the other way
        return !handedOver.containsKey(band) && !unsealed.containsKey(band);
    }
}
