package io.tgcryptfs.backend.telegram;

import java.time.Instant;

/**
 * One (bot, chat) pair: its limiters and what happened on it. Mutable fields are guarded by the
 * {@link LanePool}'s lock.
 */
final class Lane {
    final Bot bot;
    final long chatId;
    final AdaptiveSpacing spacing;
    final RateWindow perMinute;
    Instant refusedAt;
    long sends;
    long rateLimited;
    long transientFailures;
    String lastError;
    Instant lastErrorAt;

    Lane(Bot bot, long chatId, AdaptiveSpacing spacing, RateWindow perMinute) {
        this.bot = bot;
        this.chatId = chatId;
        this.spacing = spacing;
        this.perMinute = perMinute;
    }

    /** The earliest moment at or after {@code now} when this lane may send. Called under the pool's lock. */
    Instant nextAllowed(Instant now) {
        Instant t = bot.resumeAt(now);
        t = max(t, spacing.nextAllowed(now));
        t = max(t, perMinute.nextAllowed(now));
        return bot.schedule.earliest(t, now);
    }

    /** Reserves {@code at} in the lane's limiters and in its bot's schedule. Called under the pool's lock. */
    void reserve(Instant at) {
        spacing.reserve(at);
        perMinute.reserve(at);
        bot.schedule.reserve(at);
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
