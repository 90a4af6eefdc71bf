package io.tgcryptfs.backend;

import java.time.Duration;
import java.util.random.RandomGenerator;

/** Jittered exponential backoff: min * 2^attempt, capped at max, times a random factor in [1, 1+jitter]. */
public record Backoff(Duration min, Duration max, double randomFactor) {
    public Duration delay(int attempt, RandomGenerator random) {
        double base = min.toMillis() * Math.pow(2, Math.min(attempt, 30));
        double capped = Math.min(base, max.toMillis());
        double jittered = capped * (1 + random.nextDouble() * randomFactor);
        return Duration.ofMillis((long) jittered);
    }
}
