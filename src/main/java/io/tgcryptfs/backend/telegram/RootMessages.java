package io.tgcryptfs.backend.telegram;

import io.tgcryptfs.backend.BackendException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static io.tgcryptfs.backend.telegram.TelegramBlobStore.MAX_ROOT_BYTES;
import static io.tgcryptfs.backend.telegram.TelegramBlobStore.ROOT_PREFIX;

/**
 * The root record as the pinned message of the root lane's chat: reads it, publishes a new one, and deletes
 * the root messages it replaced.
 */
final class RootMessages {
    // the store's log category, so log settings that name TelegramBlobStore still cover these lines
    private static final Logger log = LoggerFactory.getLogger(TelegramBlobStore.class);

    private final LanePool pool;
    private final Lane rootLane;
    private final Redactor redactor;
    /** Root messages in the root chat that are not (or no longer) the pinned root, to delete. Guarded by itself. */
    private final Set<Long> oldRootMessages = new LinkedHashSet<>();

    RootMessages(LanePool pool, Lane rootLane, Redactor redactor) {
        this.pool = pool;
        this.rootLane = rootLane;
        this.redactor = redactor;
    }

    static boolean isRoot(BotApiClient.PinnedMessage m) {
        return m.text() != null && m.text().startsWith(ROOT_PREFIX);
    }

    Optional<byte[]> get() throws BackendException {
        BotApiClient.PinnedMessage pinned = pinnedMessage();
        if (pinned == null) {
            return Optional.empty();
        }
        if (!isRoot(pinned)) {
            throw BackendException.permanent("telegram: the pinned message in chat " + rootLane.chatId
                    + " is not a tgcryptfs root record; unpin it, or use another chat first in chat-ids");
        }
        try {
            return Optional.of(Base64.getDecoder().decode(pinned.text().substring(ROOT_PREFIX.length()).trim()));
        } catch (IllegalArgumentException e) {
            throw BackendException.permanent("telegram: the pinned root record in chat " + rootLane.chatId
                    + " is not valid Base64");
        }
    }

    /** See {@link TelegramBlobStore#putRoot}. */
    void put(byte[] root) throws BackendException {
        if (root.length > MAX_ROOT_BYTES) {
            throw BackendException.permanent("telegram: root record of " + root.length
                    + " bytes does not fit in a message (at most " + MAX_ROOT_BYTES + ")");
        }
        String text = ROOT_PREFIX + Base64.getEncoder().encodeToString(root);
        BotApiClient.PinnedMessage previous = pinnedMessage();
        long messageId = pool.onLane(rootLane, l -> l.bot.client.sendMessage(l.chatId, text));
        try {
            pool.onLane(rootLane, l -> {
                l.bot.client.pinChatMessage(l.chatId, messageId);
                return null;
            });
        } catch (BackendException e) {
            synchronized (oldRootMessages) {
                oldRootMessages.add(messageId);
            }
            // while the bot is paused the delete would have to wait; the next publish deletes it instead
            if (e.kind() != BackendException.Kind.RATE_LIMITED) {
                deleteOldRootMessages();
            }
            throw e;
        }
        synchronized (oldRootMessages) {
            // a user's own pinned message is not ours to delete; pinning ours on top is enough
            if (previous != null && isRoot(previous) && previous.messageId() != messageId) {
                oldRootMessages.add(previous.messageId());
            }
            oldRootMessages.remove(messageId);
        }
        deleteOldRootMessages();
    }

    /** The root chat's pinned message as {@code getChat} shows it, or null. */
    private BotApiClient.PinnedMessage pinnedMessage() throws BackendException {
        Bot bot = rootLane.bot;
        return pool.onBot(bot, () -> bot.client.getChat(rootLane.chatId)).pinnedMessage();
    }

    /**
     * Deletes the root messages in {@link #oldRootMessages}, best effort. Gone or deleted: forgotten. A 429 or
     * a temporary failure: kept for the next publish (after a 429 the rest wait too, so the publish does not
     * sit out the pause). Refused for good (Telegram may refuse to delete messages older than 48 hours):
     * logged, so the operator can delete it by hand, and forgotten.
     */
    private void deleteOldRootMessages() {
        List<Long> ids;
        synchronized (oldRootMessages) {
            ids = new ArrayList<>(oldRootMessages);
        }
        Bot bot = rootLane.bot;
        long chat = rootLane.chatId;
        for (long id : ids) {
            try {
                pool.onBot(bot, () -> {
                    bot.client.deleteMessage(chat, id);
                    return null;
                });
                forgetOldRoot(id);
            } catch (BackendException e) {
                String reason = redactor.redact(e.getMessage());
                switch (e.kind()) {
                    case NOT_FOUND -> forgetOldRoot(id);
                    case RATE_LIMITED, TRANSIENT -> log.info("earlier root message {} in chat {} not deleted yet,"
                            + " trying again after the next publish: {}", id, chat, reason);
                    case PERMANENT -> {
                        forgetOldRoot(id);
                        log.warn("could not delete the earlier root message {} in chat {}; it holds the volume"
                                + " header as it was then (delete it by hand after a password change): {}",
                                id, chat, reason);
                    }
                }
                if (e.kind() == BackendException.Kind.RATE_LIMITED) {
                    return;
                }
            }
        }
    }

    private void forgetOldRoot(long messageId) {
        synchronized (oldRootMessages) {
            oldRootMessages.remove(messageId);
        }
    }
}
