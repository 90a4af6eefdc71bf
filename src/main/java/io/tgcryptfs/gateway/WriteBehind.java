package io.tgcryptfs.gateway;

import io.tgcryptfs.engine.Band;
import io.tgcryptfs.engine.BandKey;
import io.tgcryptfs.engine.DirtyRegions;
import io.tgcryptfs.engine.Done;
import io.tgcryptfs.engine.EntityRegistry;
import io.tgcryptfs.engine.FsResult;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import org.apache.pekko.actor.typed.ActorRef;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Hands writes to their band actors without waiting for them, as the page cache does for a local
 * filesystem: a write returns once it is on its way, which saves the two thread hand-offs of an answer
 * on every write. What keeps this honest:
 * <ul>
 *   <li>order: everything later for the band (reads of it, fsync, flush, truncate) goes through the same
 *   registry after the write, and the band serves it after the write ({@link DirtyRegions} keeps
 *   readers off the stored chunks until the write is applied);</li>
 *   <li>memory: at most {@code windowBytes} are on their way at once; past that a writer waits for the
 *   bands, which themselves wait for the dirty budget (backpressure, never a refusal);</li>
 *   <li>errors: a write the band refuses (the local disk is full) fails the file's next write, fsync or
 *   close, the way Linux reports a failed writeback. While the disk is known to be full, writes wait for
 *   their band's answer so the caller gets ENOSPC on the write itself.</li>
 * </ul>
 */
final class WriteBehind {
    private final ActorRef<EntityRegistry.Command> bands;
    private final DirtyRegions dirtyRegions;
    private final Asker asker;
    private final Duration timeout;
    private final int windowBytes;
    private final Semaphore window;
    private final ConcurrentHashMap<Long, FsException> failures = new ConcurrentHashMap<>();

    WriteBehind(ActorRef<EntityRegistry.Command> bands, DirtyRegions dirtyRegions, Asker asker, Duration timeout,
                int windowBytes) {
        this.bands = bands;
        this.dirtyRegions = dirtyRegions;
        this.asker = asker;
        this.timeout = timeout;
        this.windowBytes = windowBytes;
        this.window = new Semaphore(windowBytes);
    }

    /**
     * Sends {@code bytes} at {@code offset} (within one band) to the band; waits for it only if asked to.
     * The caller has {@linkplain DirtyRegions#handedOver announced} it; the band takes it off once it has
     * applied it, or this does if it never gets there.
     */
    void send(long ino, BandKey band, long offset, byte[] bytes, boolean waitForBand) {
        int cost = Math.min(bytes.length, windowBytes);
        try {
            acquire(cost);
        } catch (RuntimeException e) {
            dirtyRegions.applied(band);
            throw e;
        }
        java.util.concurrent.CompletableFuture<FsResult<Done>> answer =
                waitForBand ? new java.util.concurrent.CompletableFuture<>() : null;
        bands.tell(new EntityRegistry.Deliver<>(band, new Band.Write(offset, bytes, result -> {
            if (answer != null) {
                answer.complete(result);
            } else if (result instanceof FsResult.Failed<Done> f) {
                failures.putIfAbsent(ino, new FsException(f.error(), f.message()));
            }
            dirtyRegions.applied(band);
            window.release(cost);
        })));
        if (answer != null) {
            asker.await(answer, timeout).orThrow();
        }
    }

    /**
     * Throws, once, the first failure of a write of {@code ino} that returned before its band refused
     * it. Call after something the band answered, so every earlier write has been applied or refused.
     */
    void reportFailure(long ino) {
        FsException failure = failures.remove(ino);
        if (failure != null) {
            throw failure;
        }
    }

    private void acquire(int bytes) {
        try {
            if (!window.tryAcquire(bytes, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new FsException(FsError.TIMED_OUT, "writes waited " + timeout.toSeconds() + " s for room");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FsException(FsError.IO, "interrupted");
        }
    }
}
