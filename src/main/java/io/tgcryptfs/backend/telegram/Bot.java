package io.tgcryptfs.backend.telegram;

import java.time.Instant;

/** One configured bot: its client, its request spacing across chats, and its pause after a 429. */
final class Bot {
    final int index;
    final long id;
    final String label;
    final BotApiClient client;
    final SlotSchedule schedule;
    /**
     * No request of this bot goes out before this (Telegram's last retry_after), or null. Guarded by the
     * pool's lock.
     */
    Instant pausedUntil;

    Bot(int index, long id, String label, BotApiClient client, SlotSchedule schedule) {
        this.index = index;
        this.id = id;
        this.label = label;
        this.client = client;
        this.schedule = schedule;
    }

    /** {@code now}, or the end of the bot's pause if it is paused. Called under the pool's lock. */
    Instant resumeAt(Instant now) {
        return paused(now) ? pausedUntil : now;
    }

    boolean paused(Instant now) {
        return pausedUntil != null && pausedUntil.isAfter(now);
    }
}
