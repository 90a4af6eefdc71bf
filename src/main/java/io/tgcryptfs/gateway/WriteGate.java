package io.tgcryptfs.gateway;

import io.tgcryptfs.fs.FsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.StampedLock;
import java.util.function.LongSupplier;

/**
 * The moment a restore point's view is taken: every write passes the gate shared (its size change and
 * its hand-over to the bands), and a capture closes it after sealing, so LMDB then holds every byte
 * written before and none after. The bulk is sealed while writers go on; only what they wrote meanwhile
 * is sealed with them held.
 *
 * <p>A seal that fails (a stored block that cannot be loaded, a full disk) or takes longer than the
 * data timeout does not stop the capture: a backup must go on when one block is in trouble. The point
 * then holds those blocks as LMDB has them, which is said in the log.
 */
final class WriteGate {
    private static final Logger log = LoggerFactory.getLogger(WriteGate.class);
    /** A hold this long is worth a line in the log: writers noticed it. */
    private static final long NOTICEABLE_NANOS = 1_000_000_000L;
    private final StampedLock lock = new StampedLock();
    private final LongSupplier nanoTime;
    private final AtomicLong heldNanos = new AtomicLong();

    WriteGate(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    long enter() {
        return lock.readLock();
    }

    void leave(long pass) {
        lock.unlockRead(pass);
    }

    /** Seals with {@code sealAll}, closes the gate, seals again; the returned release reopens it (once). */
    Runnable sealAndClose(Runnable sealAll) throws InterruptedException {
        seal(sealAll);
        long whole = lock.writeLockInterruptibly();
        long closed = nanoTime.getAsLong();
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                lock.unlockWrite(whole);
                record(nanoTime.getAsLong() - closed);
            }
        };
        try {
            seal(sealAll);
        } catch (RuntimeException e) {
            release.run();
            throw e;
        }
        return release;
    }

    /** Nanoseconds writes were held so far, all captures together. */
    long heldNanos() {
        return heldNanos.get();
    }

    private void record(long nanos) {
        heldNanos.addAndGet(nanos);
        if (nanos >= NOTICEABLE_NANOS) {
            log.info("writes waited {} ms while a restore point's capture sealed what was written meanwhile",
                    nanos / 1_000_000);
        }
    }

    boolean isClosed() {
        return lock.isWriteLocked();
    }

    private static void seal(Runnable sealAll) {
        try {
            sealAll.run();
        } catch (FsException e) {
            log.warn("a restore point is captured with some written blocks not sealed ({}): it holds them as they "
                    + "were when last sealed; the next point that seals them holds them whole", e.getMessage());
        }
    }
}
