package io.tgcryptfs.backend.telegram;

import java.time.Duration;
import java.time.Instant;

/**
 * The minimum time between two sends on one (bot, chat) lane, which learns from Telegram's answers. It
 * starts at the configured rate ({@code 1 / per-chat-messages-per-second}). A 429 on the lane means the
 * server's idea of the limit is stricter than ours (other clients of the bot, a slower limit for this chat,
 * a longer file), so the spacing doubles, up to {@link #MAX_FACTOR} times the configured one; each send the
 * server accepts narrows it by {@link #RELAX}, never below the configured spacing. Widening fast and
 * narrowing slowly keeps a lane from knocking on the limit again right after a pause ends.
 *
 * <p>Reservations work like {@link RateWindow} with one permit: callers reserve future send times and wait
 * for them outside any lock. Not thread-safe: the {@link LanePool} guards it.
 */
final class AdaptiveSpacing {
    /** How much a 429 widens the spacing. */
    static final double WIDEN = 2.0;
    /** How much each accepted send narrows it (10 %: about seven sends undo one doubling). */
    static final double RELAX = 0.9;
    /** The widest spacing, as a multiple of the configured one, so a lane never stops for good. */
    static final int MAX_FACTOR = 32;

    private final Duration base;
    private final Duration max;
    private Duration current;
    private Instant last;
    private Instant lastStart;

    AdaptiveSpacing(Duration base) {
        if (base.isNegative()) {
            throw new IllegalArgumentException("spacing must not be negative");
        }
        this.base = base;
        this.max = base.multipliedBy(MAX_FACTOR);
        this.current = base;
    }

    /** Spacing for {@code perSecond} sends per second. */
    static AdaptiveSpacing perSecond(double perSecond) {
        return new AdaptiveSpacing(Duration.ofNanos(Math.round(1_000_000_000d / perSecond)));
    }

    /** The spacing in force now. */
    Duration current() {
        return current;
    }

    /** The earliest time at or after {@code now} that is {@link #current()} after the last reservation. */
    Instant nextAllowed(Instant now) {
        if (last == null) {
            return now;
        }
        if (farAhead(last, now)) {
            last = null; // the clock went back a long way: an old reservation would block for that long
            return now;
        }
        Instant t = last.plus(current);
        return t.isAfter(now) ? t : now;
    }

    /** Records a send at {@code at}, which must be at or after {@link #nextAllowed} for that moment. */
    void reserve(Instant at) {
        last = at;
    }

    /**
     * The earliest moment a reserved send may really start: {@link #current()} after the last send that
     * started. Reservations space the planned moments, but a thread that wakes late (a busy machine) starts
     * its send late while the next one starts on time, and the server counts arrivals: two sends 0.8 s apart
     * on a 1/s chat got a 429, and the widened spacing after it cost the rest of the upload a sixth of its rate.
     */
    Instant earliestStart(Instant now) {
        if (lastStart != null && farAhead(lastStart, now)) {
            lastStart = null; // the clock went back a long way, as in nextAllowed
        }
        return lastStart == null ? now : lastStart.plus(current);
    }

    /** Further ahead of {@code now} than any spacing could put a send: the clock went back. */
    private boolean farAhead(Instant t, Instant now) {
        return t.isAfter(now.plus(max).plus(max).plusSeconds(60));
    }

    /** A send on this lane starts now. */
    void started(Instant at) {
        if (lastStart == null || at.isAfter(lastStart)) {
            lastStart = at;
        }
    }

    /** Telegram answered 429 on this lane. */
    void widen() {
        Duration wider = Duration.ofNanos(Math.round(current.toNanos() * WIDEN));
        current = wider.compareTo(max) > 0 ? max : wider;
    }

    /** Telegram accepted a send on this lane. */
    void relax() {
        Duration narrower = Duration.ofNanos(Math.round(current.toNanos() * RELAX));
        current = narrower.compareTo(base) < 0 ? base : narrower;
    }
}
