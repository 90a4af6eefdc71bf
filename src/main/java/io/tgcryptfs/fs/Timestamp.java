package io.tgcryptfs.fs;

import java.time.Instant;

/** A file time with nanosecond precision and a 64-bit second count, so times after 2038 survive. */
public record Timestamp(long seconds, int nanos) implements Comparable<Timestamp> {
    public static final Timestamp EPOCH = new Timestamp(0, 0);

    public Timestamp {
        if (nanos < 0 || nanos > 999_999_999) {
            throw new IllegalArgumentException("nanos out of range: " + nanos);
        }
    }

    public static Timestamp of(Instant instant) {
        return new Timestamp(instant.getEpochSecond(), instant.getNano());
    }

    @Override
    public int compareTo(Timestamp other) {
        int c = Long.compare(seconds, other.seconds);
        return c != 0 ? c : Integer.compare(nanos, other.nanos);
    }
}
