package io.tgcryptfs.engine;

import java.time.Duration;

/**
 * When a dirty block is sealed without being asked: once nobody has written it for {@code cold}, or once
 * it has been dirty for {@code maxAge} even if still written. fsync'd bytes are safe in the write journal
 * meanwhile, so resealing a block that is still being written only multiplies work and upload: a Time
 * Machine metadata block written every second was sealed (256 KiB of hashing, encryption and upload) every
 * few seconds. {@code maxAge} bounds how long such a block lives only in memory and the write journal
 * (restore points do not wait for it: a capture seals everything first).
 */
public record SealPolicy(Duration cold, Duration maxAge) {
    public SealPolicy {
        if (cold.isNegative() || maxAge.isNegative()) {
            throw new IllegalArgumentException("dirty block ages must not be negative");
        }
        if (maxAge.compareTo(cold) < 0) {
            maxAge = cold;
        }
    }

    boolean due(long nowNanos, long dirtySinceNanos, long lastWriteNanos) {
        return nowNanos - lastWriteNanos >= cold.toNanos() || nowNanos - dirtySinceNanos >= maxAge.toNanos();
    }

    /** How often a band checks: often enough that a cold block waits at most half its time again. */
    Duration checkInterval() {
        Duration half = cold.dividedBy(2);
        return half.isZero() ? Duration.ofMillis(100) : half;
    }
}
