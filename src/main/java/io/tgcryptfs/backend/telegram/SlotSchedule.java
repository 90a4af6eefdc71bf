package io.tgcryptfs.backend.telegram;

import java.time.Duration;
import java.time.Instant;
import java.util.TreeMap;

/**
 * Sends shared by several senders, kept at least {@code spacing} apart. Unlike {@link RateWindow} it fills
 * gaps: a sender that reserved a slot far ahead (its chat is paused, say) does not hold back another
 * sender that could go now. Not thread-safe: the {@link LanePool} guards it.
 */
final class SlotSchedule {
    private final Duration spacing;
    /** Reserved send times, with how many senders share that exact instant (normally one). */
    private final TreeMap<Instant, Integer> reserved = new TreeMap<>();

    SlotSchedule(Duration spacing) {
        this.spacing = spacing;
    }

    static SlotSchedule perSecond(double perSecond) {
        return new SlotSchedule(Duration.ofNanos(Math.round(1_000_000_000d / perSecond)));
    }

    /** The earliest time at or after {@code from} that is {@code spacing} away from every reservation. */
    Instant earliest(Instant from, Instant now) {
        prune(now);
        Instant t = from;
        while (true) {
            Instant lower = reserved.floorKey(t);
            if (lower != null && t.isBefore(lower.plus(spacing))) {
                t = lower.plus(spacing);
                continue;
            }
            Instant higher = reserved.ceilingKey(t);
            if (higher != null && higher.isBefore(t.plus(spacing))) {
                t = higher.plus(spacing);
                continue;
            }
            return t;
        }
    }

    void reserve(Instant at) {
        reserved.merge(at, 1, Integer::sum);
    }

    private void prune(Instant now) {
        Instant horizon = now.minus(spacing);
        while (!reserved.isEmpty() && reserved.firstKey().isBefore(horizon)) {
            reserved.pollFirstEntry();
        }
    }
}
