package io.tgcryptfs.engine;

import io.tgcryptfs.journal.WriteJournal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * A band's unsealed blocks, by block number: the dirty ones (written, not handed to a sealer) and the
 * ones being sealed, at most one version of each block per kind. Owned by its {@link Band} and touched
 * only on the band's actor; it decides which blocks a seal, an fsync or a read concerns, and the band
 * starts the seals and answers.
 */
final class BandBlocks {
    /** What became of a write offered to the band. */
    enum Applied {
        APPLIED,
        /** the dirty budget has no room now: try again once it frees some */
        NO_ROOM,
        /** the budget has no room because sealing found the local disk full */
        NO_SPACE
    }

    private final int blockSize;
    private final TreeMap<Long, DirtyBlock> dirty = new TreeMap<>();
    private final Map<Long, DirtyBlock> sealing = new HashMap<>();

    BandBlocks(int blockSize) {
        this.blockSize = blockSize;
    }

    /**
     * Lays {@code data} at file offset {@code offset} into the blocks it touches, if the budget has room
     * for what they grow by; nothing is written otherwise. {@code data} is handed over: a whole block of
     * it may be kept as that block's bytes.
     */
    Applied write(long offset, byte[] data, long nowNanos, DirtyBudget budget, Runnable whenFreed) {
        long first = offset / blockSize;
        long last = (offset + data.length - 1) / blockSize;
        List<DirtyBlock> blocks = new ArrayList<>();
        long growth = 0;
        int consumed = 0;
        for (long b = first; b <= last; b++) {
            int at = (int) Math.max(0, offset - b * blockSize);
            int len = (int) Math.min(blockSize - at, data.length - consumed);
            DirtyBlock block = dirty.get(b);
            blocks.add(block != null ? block : new DirtyBlock(blockSize, nowNanos));
            growth += blocks.get(blocks.size() - 1).growth(at, len);
            consumed += len;
        }
        if (growth > 0 && !budget.tryReserve(growth, whenFreed)) {
            return budget.isStorageFull() ? Applied.NO_SPACE : Applied.NO_ROOM;
        }
        consumed = 0;
        for (long b = first; b <= last; b++) {
            int at = (int) Math.max(0, offset - b * blockSize);
            int len = (int) Math.min(blockSize - at, data.length - consumed);
            DirtyBlock block = blocks.get((int) (b - first));
            dirty.putIfAbsent(b, block);
            if (len == blockSize && data.length == blockSize && block.isEmpty()) {
                block.adoptWhole(data); // a stream's aligned piece: the write's array becomes the block's
            } else {
                block.write(at, data, consumed, len);
            }
            block.lastWriteNanos = nowNanos;
            consumed += len;
        }
        return Applied.APPLIED;
    }

    /** The full dirty blocks lying wholly inside file offsets [{@code from}, {@code to}). */
    List<Long> full(long from, long to) {
        List<Long> full = new ArrayList<>();
        dirty.forEach((b, block) -> {
            long start = b * blockSize;
            if (block.full() && start >= from && start + blockSize <= to) {
                full.add(b);
            }
        });
        return full;
    }

    /** The dirty blocks holding bytes no fsync journaled. */
    List<Long> unjournaled() {
        List<Long> blocks = new ArrayList<>();
        dirty.forEach((b, block) -> {
            if (block.unjournaledBytes() > 0) {
                blocks.add(b);
            }
        });
        return blocks;
    }

    List<Long> allDirty() {
        return new ArrayList<>(dirty.keySet());
    }

    /** The dirty blocks the policy wants sealed now (cold, or dirty too long). */
    List<Long> due(long nowNanos, SealPolicy policy) {
        List<Long> due = new ArrayList<>();
        dirty.forEach((b, block) -> {
            if (policy.due(nowNanos, block.createdNanos, block.lastWriteNanos)) {
                due.add(b);
            }
        });
        return due;
    }

    /**
     * Moves block {@code b} from dirty to sealing and returns it, or returns null: when it is not dirty,
     * or when an older version is still being sealed (the dirty one is then marked to follow it).
     */
    DirtyBlock startSeal(long b) {
        DirtyBlock block = dirty.get(b);
        if (block == null) {
            return null;
        }
        if (sealing.containsKey(b)) {
            block.sealRequested = true;
            return null;
        }
        dirty.remove(b);
        sealing.put(b, block);
        return block;
    }

    /** The seal of block {@code b} committed; returns whether the newer dirty version asked to follow it. */
    boolean sealCommitted(long b) {
        sealing.remove(b);
        DirtyBlock next = dirty.get(b);
        return next != null && next.sealRequested;
    }

    /**
     * The seal of {@code version} of block {@code b} failed: it is dirty again, under any newer writes.
     *
     * @return budget bytes to release (two reservations became one block, which holds at most what
     *     the two held)
     */
    long sealFailed(long b, DirtyBlock version) {
        sealing.remove(b);
        DirtyBlock newer = dirty.get(b);
        if (newer == null) {
            dirty.put(b, version); // keeps its budget reservation
            return 0;
        }
        DirtyBlock merged = version.mergedUnder(newer);
        dirty.put(b, merged);
        return version.memoryBytes() + newer.memoryBytes() - merged.memoryBytes();
    }

    /** Drops every dirty block (its file is deleted), handing each to {@code dropped} first. */
    void discardDirty(BiConsumer<Long, DirtyBlock> dropped) {
        dirty.forEach(dropped);
        dirty.clear();
    }

    /** Every version not yet committed, dirty or being sealed, by identity. */
    Set<DirtyBlock> uncommitted() {
        Set<DirtyBlock> versions = Collections.newSetFromMap(new IdentityHashMap<>());
        versions.addAll(dirty.values());
        versions.addAll(sealing.values());
        return versions;
    }

    /** A flush wants every dirty block sealed, those written while an older version seals included. */
    void requestSealOfAll() {
        dirty.values().forEach(b -> b.sealRequested = true);
    }

    BandRead read(long ino, long offset, int length) {
        return BandRead.of(ino, offset, length, blockSize, sealing, dirty);
    }

    BandFsync journal(long ino, WriteJournal journal) {
        return BandFsync.take(ino, blockSize, sealing, dirty, journal);
    }

    int unsealed() {
        return dirty.size() + sealing.size();
    }

    /** Versions, dirty or being sealed, holding bytes no fsync journaled: a crash would lose them. */
    int unbacked() {
        int n = 0;
        for (DirtyBlock block : dirty.values()) {
            n += block.unjournaledBytes() > 0 ? 1 : 0;
        }
        for (DirtyBlock block : sealing.values()) {
            n += block.unjournaledBytes() > 0 ? 1 : 0;
        }
        return n;
    }

    boolean noneSealing() {
        return sealing.isEmpty();
    }
}
