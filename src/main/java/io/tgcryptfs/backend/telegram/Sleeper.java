package io.tgcryptfs.backend.telegram;

import java.time.Duration;

/** Waits. Injected next to the clock so tests can pace without real time passing. */
@FunctionalInterface
public interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;

    /** Real waiting, with {@link Thread#sleep}. */
    static Sleeper system() {
        return duration -> {
            if (!duration.isNegative() && !duration.isZero()) {
                Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);
            }
        };
    }
}
