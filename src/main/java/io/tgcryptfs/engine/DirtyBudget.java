package io.tgcryptfs.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The global bound on the memory dirty blocks hold (bytes: a block holds what was written to it, in
 * pages, or whole once much of it was; {@link BlockBytes}). A band that cannot reserve room waits (its writes
 * are stashed, never refused) and the pressure hook asks every band to seal what it holds.
 *
 * <p>Writes also wait while more than an eighth of the budget is being sealed, without pressure: a writer
 * faster than sealing (the kernel's writeback sends a stream as a dozen 1 MiB requests at once) would
 * otherwise keep the whole budget full of blocks waiting for a sealer, long-lived enough for the
 * collector to copy them again and again (a 1 GiB copy spent 2.4 s in GC instead of 0.9 s, at four-fifths
 * of the speed). Blocks that wait to be written again (random writes, until cold) are what the budget is
 * for; those take no sealer.
 */
public final class DirtyBudget {
    private final long maxBytes;
    private final long maxSealing;
    private long reserved;
    private long sealing;
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
        this.maxSealing = Math.max(4L * blockSize, maxBytes / 8);
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
            boolean fits = reserved + bytes <= maxBytes;
            if (fits && sealing <= maxSealing || reserved == 0) {
                reserved += bytes;
                return true;
            }
            if (waiters.isEmpty()) {
                waitingSince = nanoTime.getAsLong();
            }
            waiters.add(whenFreed);
            if (!fits && !pressureSignalled) {
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
            if (sealing > maxSealing) {
                return; // the sealers wake them once their backlog is short again (sealEnded)
            }
            wake = new ArrayList<>(waiters);
            stopWaiting();
            pressureSignalled = false;
        }
        wake.forEach(Runnable::run);
    }

    /** A block of {@code bytes} was handed to a sealer. */
    public synchronized void sealStarted(long bytes) {
        sealing += bytes;
    }

    /** That block's seal ended, sealed or not: called by the sealer itself, so no seal is left uncounted. */
    public void sealEnded(long bytes) {
        List<Runnable> wake;
        synchronized (this) {
            sealing = Math.max(0, sealing - bytes);
            if (waiters.isEmpty() || sealing > maxSealing) {
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
