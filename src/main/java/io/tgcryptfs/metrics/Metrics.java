package io.tgcryptfs.metrics;

import java.util.function.LongSupplier;

/**
 * What the engine reports. The Kamon implementation is the only code importing kamon; tests and
 * commands that need no metrics use {@link #NONE}.
 */
public interface Metrics {
    Metrics NONE = new Metrics() {
    };

    default void fuseCall(String op, long nanos, boolean failed) {
    }

    default void uploaded(long bytes) {
    }

    default void downloaded(long bytes) {
    }

    default void retry(String cause) {
    }

    default void integrityFailure() {
    }

    default void chunkSealed(long plainBytes, long storedBytes, boolean deduplicated) {
    }

    default void plaintextCache(boolean hit) {
    }

    default void gauge(String name, LongSupplier value) {
    }
}
