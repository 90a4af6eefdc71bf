package io.tgcryptfs.backend.telegram;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;

/**
 * "At most {@code permits} sends in any {@code window}", as a sliding log of reserved send times. With one
 * permit it spaces sends evenly ({@code window} apart); with more it allows a burst and then waits for the
 * oldest send to leave the window. Callers reserve future times, so concurrent senders queue up in order
 * without holding a lock while they wait. Not thread-safe: the {@link LanePool} guards it.
 */
final class RateWindow {
    private final int permits;
    private final Duration window;
    private final ArrayDeque<Instant> reserved = new ArrayDeque<>();

    RateWindow(int permits, Duration window) {
        if (permits < 1 || window.isNegative()) {
            throw new IllegalArgumentException("permits must be >= 1 and window >= 0");
        }
        this.permits = permits;
        this.window = window;
    }

    /** Evenly spaced sends at {@code perSecond}: one permit per {@code 1 / perSecond}. */
    static RateWindow perSecond(double perSecond) {
        return new RateWindow(1, Duration.ofNanos(Math.round(1_000_000_000d / perSecond)));
    }

    /** At most {@code permits} in any 60 seconds, the minute stretched by {@code widen} (1: exactly a minute). */
    static RateWindow perMinute(int permits, double widen) {
        return new RateWindow(permits, Duration.ofMillis(Math.round(60_000 * widen)));
    }

    /** The earliest time at or after {@code now} at which a send fits. */
    Instant nextAllowed(Instant now) {
        forgetFuture(now);
        if (reserved.size() < permits) {
            return now;
        }
        Instant t = reserved.peekFirst().plus(window);
        return t.isAfter(now) ? t : now;
    }

    /** Records a send at {@code at}, which must be at or after {@link #nextAllowed} for that moment. */
    void reserve(Instant at) {
        reserved.addLast(at);
        while (reserved.size() > permits) {
            reserved.removeFirst();
        }
    }

    /** If the clock went back a long way, old reservations would block for that long: drop them. */
    private void forgetFuture(Instant now) {
        Instant last = reserved.peekLast();
        if (last != null && last.isAfter(now.plus(window).plus(window).plusSeconds(60))) {
            reserved.clear();
        }
    }
}
