package io.tgcryptfs.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * The global bound on dirty blocks held in memory. A band that cannot reserve room waits (its writes
 * are stashed, never refused) and the pressure hook asks every band to seal what it holds.
 */
public final class DirtyBudget {
    private final long maxBlocks;
    private final int blockSize;
    private long reserved;
    private final List<Runnable> waiters = new ArrayList<>();
    private Runnable pressureHook = () -> { };
    private boolean pressureSignalled;
    private volatile boolean storageFull;

    public DirtyBudget(long budgetBytes, int blockSize) {
        this.blockSize = blockSize;
        this.maxBlocks = Math.max(4, budgetBytes / blockSize);
    }

    public synchronized void onPressure(Runnable hook) {
        this.pressureHook = hook;
    }

    /** Reserves {@code blocks} blocks, or registers {@code whenFreed} and returns false. */
    public boolean tryReserve(int blocks, Runnable whenFreed) {
        Runnable hook = null;
        synchronized (this) {
            if (reserved + blocks <= maxBlocks || reserved == 0) {
                reserved += blocks;
                return true;
            }
            waiters.add(whenFreed);
            if (!pressureSignalled) {
                pressureSignalled = true;
                hook = pressureHook;
            }
        }
        if (hook != null) {
            hook.run();
        }
        return false;
    }

    public void release(int blocks) {
        List<Runnable> wake;
        synchronized (this) {
            reserved = Math.max(0, reserved - blocks);
            if (waiters.isEmpty()) {
                pressureSignalled = false;
                return;
            }
            wake = new ArrayList<>(waiters);
            waiters.clear();
            pressureSignalled = false;
        }
        wake.forEach(Runnable::run);
    }

    /**
     * Sealing failed for lack of local disk space (or succeeded again). While the disk is full a write
     * that needs room fails with ENOSPC at once instead of waiting for room that will not come; waiting
     * writes are woken so they find out.
     */
    public void storageFull(boolean full) {
        if (storageFull == full) {
            return;
        }
        storageFull = full;
        if (full) {
            List<Runnable> wake;
            synchronized (this) {
                wake = new ArrayList<>(waiters);
                waiters.clear();
            }
            wake.forEach(Runnable::run);
        }
    }

    public boolean isStorageFull() {
        return storageFull;
    }

    public synchronized long dirtyBytes() {
        return reserved * blockSize;
    }
}
