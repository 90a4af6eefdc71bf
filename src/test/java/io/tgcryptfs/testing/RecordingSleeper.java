package io.tgcryptfs.testing;

import io.tgcryptfs.backend.Sleeper;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/** A {@link Sleeper} that records every requested wait and returns at once (after a token pause so retry loops do not spin hot). */
public final class RecordingSleeper implements Sleeper {
    private final List<Duration> waits = new ArrayList<>();

    @Override
    public void sleep(Duration duration) throws InterruptedException {
        synchronized (waits) {
            waits.add(duration);
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        LockSupport.parkNanos(200_000);
    }

    public List<Duration> waits() {
        synchronized (waits) {
            return List.copyOf(waits);
        }
    }
}
