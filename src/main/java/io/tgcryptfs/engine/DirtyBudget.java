package io.tgcryptfs.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The global bound on the memory dirty blocks hold (bytes: a block holds what was written to it, in
 * pages, or whole once much of it was; {@link BlockBytes}). A band that cannot reserve room waits (its writes
 * are stashed, never refused) and the pressure hook asks every band to seal what it holds.
 */
public final class DirtyBudget {
    private final long maxBytes;
    private long reserved;
    private final List<Runnable> waiters = new ArrayList<>();
    private Runnable pressureHook = () -> { };
    private boolean pressureSignalled;
    private volatile boolean storageFull;
    private LongSupplier nanoTime = () -> 0;
    private long waitingSince;
    private long waitedNanos;

    /** At least four blocks, so a write spanning blocks always fits once the others are sealed. */
    public DirtyBudget(long budgetBytes, int blockSize) {
        this.maxBytes = Math.max(4L * blockSize, budgetBytes);
    }

    public synchronized void onPressure(Runnable hook) {
        this.pressureHook = hook;
    }

    /** Times on {@code nanoTime} how long writes wait for room, for {@link #waitedNanos()}. */
    public synchronized void timeWaitsWith(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /**
     * Nanoseconds so far during which at least one write waited for room (the budget full because
     * sealing, or the upload behind it, is slower than the writes): what backpressure costs writers.
     */
    public synchronized long waitedNanos() {
        return waiters.isEmpty() ? waitedNanos : waitedNanos + nanoTime.getAsLong() - waitingSince;
    }

    /** Reserves {@code bytes}, or registers {@code whenFreed} and returns false. */
    public boolean tryReserve(long bytes, Runnable whenFreed) {
        Runnable hook = null;
        synchronized (this) {
            if (reserved + bytes <= maxBytes || reserved == 0) {
                reserved += bytes;
                return true;
            }
            if (waiters.isEmpty()) {
                waitingSince = nanoTime.getAsLong();
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

    public void release(long bytes) {
        List<Runnable> wake;
        synchronized (this) {
            reserved = Math.max(0, reserved - bytes);
            if (waiters.isEmpty()) {
                pressureSignalled = false;
                return;
            }
            wake = new ArrayList<>(waiters);
            stopWaiting();
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
                stopWaiting();
            }
            wake.forEach(Runnable::run);
        }
    }

    public boolean isStorageFull() {
        return storageFull;
    }

    private void stopWaiting() {
        if (!waiters.isEmpty()) {
            waitedNanos += nanoTime.getAsLong() - waitingSince;
            waiters.clear();
        }
    }

    public long budgetBytes() {
        return maxBytes;
    }

    public synchronized long dirtyBytes() {
        return reserved;
    }
}
