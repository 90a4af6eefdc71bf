package io.tgcryptfs.backend;

import java.time.Duration;

/** Waiting, injected next to the clock so tests of retries and pacing need not wait in real time. */
@FunctionalInterface
public interface Sleeper {
    /** Real waiting, with {@link Thread#sleep}; zero and negative durations return at once. */
    Sleeper REAL = duration -> {
        if (!duration.isNegative() && !duration.isZero()) {
            Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);
        }
    };

    void sleep(Duration duration) throws InterruptedException;
}
