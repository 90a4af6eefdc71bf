package io.tgcryptfs.backend.telegram;

import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backend.Sleeper;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The configured bots and their (bot, chat) lanes: picks the lane a message goes out on, paces every request
 * of a bot, and records the outcome in {@link LaneHealth}. One lock guards the lanes, the bots, their
 * limiters and their health; nobody waits while holding it.
 */
final class LanePool {
    /** A Bot API call made on one lane, paced like a message. */
    @FunctionalInterface
    interface LaneCall<T> {
        T call(Lane lane) throws BackendException;
    }

    /** A Bot API request that spends no chat's message quota (getChat, getFile, a download, a delete). */
    @FunctionalInterface
    interface BotCall<T> {
        T call() throws BackendException;
    }

    private final Clock clock;
    private final Sleeper sleeper;
    private final Redactor redactor;
    private final List<Bot> bots;
    private final List<Lane> lanes;
    private final Object lock = new Object();

    // guarded by lock
    private final LaneHealth health;
    private int rotation;
    private boolean closed;

    LanePool(TelegramSettings settings, HttpClient http, Clock clock, Sleeper sleeper, Redactor redactor) {
        this.clock = clock;
        this.sleeper = sleeper;
        this.redactor = redactor;
        List<Bot> b = new ArrayList<>();
        for (int i = 0; i < settings.botTokens().size(); i++) {
            String label = "bot #" + i;
            b.add(new Bot(i, settings.botId(i), label, new BotApiClient(http, settings.apiUrl(),
                    settings.botTokens().get(i), settings.requestTimeout(), label),
                    SlotSchedule.perSecond(settings.perBotMessagesPerSecond())));
        }
        this.bots = List.copyOf(b);
        List<Lane> l = new ArrayList<>();
        for (Bot bot : bots) {
            for (long chat : settings.chatIds()) {
                // paced a little under the limits: Telegram counts sends where they arrive, and one held
                // up on its way reaches it closer to the next than they left (pacing-margin)
                double widen = 1 + settings.pacingMargin();
                l.add(new Lane(bot, chat, AdaptiveSpacing.perSecond(settings.perChatMessagesPerSecond() / widen),
                        RateWindow.perMinute(settings.perChatMessagesPerMinute(), widen)));
            }
        }
        this.lanes = List.copyOf(l);
        this.health = new LaneHealth(lanes, clock, settings.failedChatRetryAfter());
    }

    List<Bot> bots() {
        return bots;
    }

    /** Every lane: each bot with each chat, bot by bot, chats in their configured order. */
    List<Lane> lanes() {
        return lanes;
    }

    List<Lane> lanesOf(Bot bot) {
        return lanes.stream().filter(l -> l.bot == bot).toList();
    }

    Bot botById(long botId) throws BackendException {
        for (Bot b : bots) {
            if (b.id == botId) {
                return b;
            }
        }
        throw BackendException.permanent("telegram: the object was uploaded by bot " + botId
                + ", which is not among the configured bot-tokens (a file_id only works for its own bot)");
    }

    <T> T onLane(Lane lane, LaneCall<T> call) throws BackendException {
        Lane l = acquire(x -> x == lane);
        try {
            T result = call.call(l);
            succeeded(l);
            return result;
        } catch (BackendException e) {
            failed(l, e);
            throw e;
        }
    }

    /** Runs {@code call} in {@code bot}'s request spacing, once the bot is not paused; a 429 pauses the bot. */
    <T> T onBot(Bot bot, BotCall<T> call) throws BackendException {
        paceBot(bot);
        try {
            return call.call();
        } catch (BackendException e) {
            if (e.kind() == BackendException.Kind.RATE_LIMITED) {
                synchronized (lock) {
                    health.pause(bot, e, " (" + redactor.redact(e.getMessage()) + ")");
                }
            }
            throw e;
        }
    }

    /** Like {@link #onLane} but waits out up to three 429s (for interactive checks). */
    <T> T onLaneRetrying(Lane lane, LaneCall<T> call) throws BackendException {
        for (int attempt = 1; ; attempt++) {
            try {
                return onLane(lane, call);
            } catch (BackendException e) {
                if (e.kind() != BackendException.Kind.RATE_LIMITED || attempt >= 3) {
                    throw e;
                }
            }
        }
    }

    /**
     * Picks the allowed lane whose next send may happen earliest (preferring lanes that are not refusing),
     * reserves that moment in its limiters and waits for it. Returns null when no lane is allowed.
     */
    Lane acquire(Predicate<Lane> allowed) throws BackendException {
        while (true) {
            Lane chosen = null;
            Instant at = null;
            synchronized (lock) {
                ensureOpenLocked();
                Instant now = clock.instant();
                boolean anyHealthy = lanes.stream().anyMatch(l -> allowed.test(l) && !health.refusing(l, now));
                for (int k = 0; k < lanes.size(); k++) {
                    Lane l = lanes.get((rotation + k) % lanes.size());
                    if (!allowed.test(l) || (anyHealthy && health.refusing(l, now))) {
                        continue;
                    }
                    Instant t = l.nextAllowed(now);
                    if (at == null || t.isBefore(at)) {
                        chosen = l;
                        at = t;
                    }
                }
                if (chosen == null) {
                    return null;
                }
                chosen.reserve(at);
                rotation = (lanes.indexOf(chosen) + 1) % lanes.size();
            }
            if (startWhenSpaced(chosen, at)) {
                return chosen;
            }
            // a 429 paused the bot while we waited: choose again
        }
    }

    /**
     * Waits for {@code at}, then until the lane's previous send started a spacing ago (it may have started
     * late), and marks the send started. False when a 429 paused the bot meanwhile.
     */
    private boolean startWhenSpaced(Lane lane, Instant at) throws BackendException {
        Instant wait = at;
        while (true) {
            sleepUntil(wait);
            synchronized (lock) {
                Instant now = clock.instant();
                if (lane.bot.paused(now)) {
                    return false;
                }
                wait = lane.spacing.earliestStart(now);
                if (!now.isBefore(wait)) {
                    lane.spacing.started(now);
                    return true;
                }
            }
        }
    }

    /**
     * Waits for the bot's next request slot (its sends and other calls share one spacing) and for the end of
     * any pause, without using a chat's quota.
     */
    private void paceBot(Bot bot) throws BackendException {
        while (true) {
            Instant at;
            synchronized (lock) {
                ensureOpenLocked();
                Instant now = clock.instant();
                at = bot.schedule.earliest(bot.resumeAt(now), now);
                bot.schedule.reserve(at);
            }
            sleepUntil(at);
            synchronized (lock) {
                if (!bot.paused(clock.instant())) {
                    return;
                }
            }
        }
    }

    private void sleepUntil(Instant at) throws BackendException {
        while (true) {
            Instant now = clock.instant();
            if (!now.isBefore(at)) {
                return;
            }
            try {
                sleeper.sleep(Duration.between(now, at));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw BackendException.transientFailure("telegram: interrupted while pacing", null);
            }
        }
    }

    void succeeded(Lane lane) {
        synchronized (lock) {
            health.succeeded(lane);
        }
    }

    void failed(Lane lane, BackendException e) {
        String reason = redactor.redact(e.getMessage());
        synchronized (lock) {
            health.failed(lane, e, reason);
        }
    }

    void permanentError(String message) {
        synchronized (lock) {
            health.permanentError(message);
        }
    }

    TelegramStatus status() {
        synchronized (lock) {
            return health.status();
        }
    }

    void ensureOpen() throws BackendException {
        synchronized (lock) {
            ensureOpenLocked();
        }
    }

    private void ensureOpenLocked() throws BackendException {
        if (closed) {
            throw BackendException.permanent("telegram: the store is closed");
        }
    }

    void close() {
        synchronized (lock) {
            closed = true;
        }
    }
}
