package io.tgcryptfs.backend.telegram;

import io.tgcryptfs.backend.BackendException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What Telegram answered on each lane: counts, 429 pauses, chats that refuse, and the last permanent error;
 * the source of {@link TelegramBlobStore#status()}. Not thread-safe: the {@link LanePool} guards it.
 */
final class LaneHealth {
    // the store's log category, so log settings that name TelegramBlobStore still cover these lines
    private static final Logger log = LoggerFactory.getLogger(TelegramBlobStore.class);

    private final List<Lane> lanes;
    private final Clock clock;
    private final Duration failedChatRetryAfter;
    private String lastPermanentError;
    private Instant lastPermanentErrorAt;

    LaneHealth(List<Lane> lanes, Clock clock, Duration failedChatRetryAfter) {
        this.lanes = lanes;
        this.clock = clock;
        this.failedChatRetryAfter = failedChatRetryAfter;
    }

    boolean refusing(Lane lane, Instant now) {
        return lane.refusedAt != null && now.isBefore(lane.refusedAt.plus(failedChatRetryAfter));
    }

    void succeeded(Lane lane) {
        lane.sends++;
        lane.spacing.relax();
        if (lane.refusedAt != null) {
            log.info("{} can send to chat {} again", lane.bot.label, lane.chatId);
            lane.refusedAt = null;
        }
        if (lastPermanentError != null && lanes.stream().noneMatch(l -> l.refusedAt != null)) {
            lastPermanentError = null;
            lastPermanentErrorAt = null;
        }
    }

    /** Records {@code e} on {@code lane}; {@code reason} is its message, redacted. */
    void failed(Lane lane, BackendException e, String reason) {
        Instant now = clock.instant();
        lane.lastError = reason;
        lane.lastErrorAt = now;
        switch (e.kind()) {
            case RATE_LIMITED -> {
                lane.rateLimited++;
                lane.spacing.widen();
                pause(lane.bot, e, " in chat " + lane.chatId + "; its spacing there is now "
                        + lane.spacing.current().toMillis() + " ms");
            }
            case TRANSIENT -> {
                lane.transientFailures++;
                log.debug("transient failure: {}", reason);
            }
            case PERMANENT -> {
                if (refusesChat(e)) {
                    List<Lane> affected = isTokenRejected(e)
                            ? lanes.stream().filter(l -> l.bot == lane.bot).toList() : List.of(lane);
                    for (Lane l : affected) {
                        l.refusedAt = now;
                        l.lastError = reason;
                        l.lastErrorAt = now;
                    }
                }
                lastPermanentError = reason;
                lastPermanentErrorAt = now;
                log.warn("{}", reason);
            }
            case NOT_FOUND -> log.debug("not found: {}", reason);
        }
    }

    /**
     * Telegram answered 429 to one of {@code bot}'s requests: none of the bot's requests goes out until
     * retry_after has passed.
     */
    void pause(Bot bot, BackendException e, String where) {
        Instant until = clock.instant().plus(e.retryAfter());
        if (bot.pausedUntil == null || until.isAfter(bot.pausedUntil)) {
            bot.pausedUntil = until;
        }
        log.info("{} paused on every chat for {}s: Telegram answered 429{}", bot.label, e.retryAfter().toSeconds(),
                where);
    }

    /** A failure no lane had a part in (an object too big to upload, say). */
    void permanentError(String message) {
        lastPermanentError = message;
        lastPermanentErrorAt = clock.instant();
    }

    TelegramStatus status() {
        Instant now = clock.instant();
        List<TelegramStatus.ChatStatus> chats = new ArrayList<>();
        for (Lane l : lanes) {
            chats.add(new TelegramStatus.ChatStatus(l.bot.index, l.chatId,
                    l.bot.paused(now) ? l.bot.pausedUntil : null,
                    l.sends, l.rateLimited, l.transientFailures, l.refusedAt != null, l.lastError,
                    l.lastErrorAt));
        }
        return new TelegramStatus(chats, lastPermanentError, lastPermanentErrorAt);
    }

    static boolean refusesChat(BackendException e) {
        return e.kind() == BackendException.Kind.PERMANENT && e.getCause() instanceof BotApiError err
                && err.refusesChat();
    }

    static boolean isTokenRejected(BackendException e) {
        return e.getCause() instanceof BotApiError err && err.errorCode() == 401;
    }
}
