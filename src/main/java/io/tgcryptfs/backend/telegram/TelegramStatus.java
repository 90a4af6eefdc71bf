package io.tgcryptfs.backend.telegram;

import java.time.Instant;
import java.util.List;

/**
 * An immutable snapshot of the Telegram backend for {@code tgcryptfs status}.
 *
 * @param chats                  one entry per (bot, chat) pair, in striping order
 * @param lastPermanentError     the last failure that retrying cannot fix, or null while all is well
 * @param lastPermanentErrorAt   when it happened, or null
 */
public record TelegramStatus(List<ChatStatus> chats, String lastPermanentError, Instant lastPermanentErrorAt) {
    public TelegramStatus {
        chats = List.copyOf(chats);
    }

    /**
     * @param botIndex      the bot's position in the configured tokens
     * @param chatId        the chat
     * @param pausedUntil   when Telegram lets this bot send again after a 429 (a 429 pauses the bot on every
     *                      chat), or null
     * @param sends         messages and documents sent successfully
     * @param rateLimited   429 answers received
     * @param transientFailures 5xx, timeouts and dropped connections
     * @param refusing      true while the chat refuses this bot for good (it is skipped while others work)
     * @param lastError     the last failure's reason, or null
     * @param lastErrorAt   when it happened, or null
     */
    public record ChatStatus(int botIndex, long chatId, Instant pausedUntil, long sends, long rateLimited,
                             long transientFailures, boolean refusing, String lastError, Instant lastErrorAt) {
    }

    /** The chat entry for this bot and chat, if configured. */
    public ChatStatus chat(int botIndex, long chatId) {
        return chats.stream().filter(c -> c.botIndex() == botIndex && c.chatId() == chatId).findFirst().orElse(null);
    }
}
