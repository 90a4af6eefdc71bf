package io.tgcryptfs.metrics;

import java.util.function.LongSupplier;

/**
 * What the engine reports. The Kamon implementation is the only code importing kamon; tests and
 * commands that need no metrics use {@link #NONE}.
 */
public interface Metrics {
    Metrics NONE = new Metrics() {
    };

    /**
     * One FUSE callback.
     *
     * @param errno the name of the errno it failed with ({@code "ENOENT"}), or null when it succeeded
     */
    default void fuseCall(String op, long nanos, String errno) {
    }

    default void uploaded(long bytes) {
    }

    default void downloaded(long bytes) {
    }

    /** A backend call retried; {@code cause} is one of {@link RetryCauses#ALL}. */
    default void retry(String cause) {
    }

    default void integrityFailure() {
    }

    default void chunkSealed(long plainBytes, long storedBytes, boolean deduplicated) {
    }

    default void plaintextCache(boolean hit) {
    }

    /** A gauge read from {@code value}; the supplier must be cheap and must not block. */
    default void gauge(String name, LongSupplier value) {
    }

    /**
     * A counter of seconds that follows a growing total of nanoseconds kept elsewhere (time spent
     * waiting, say); the supplier must be cheap and must not block.
     */
    default void secondsTotal(String name, LongSupplier nanos) {
    }
}
