package io.tgcryptfs.backend;

import java.time.Duration;

/** Waiting, injectable so tests of retry policies need not wait in real time. */
@FunctionalInterface
public interface Sleeper {
    Sleeper REAL = d -> Thread.sleep(d.toMillis());

    void sleep(Duration duration) throws InterruptedException;
}
