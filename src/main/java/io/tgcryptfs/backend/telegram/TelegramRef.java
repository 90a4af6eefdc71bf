package io.tgcryptfs.backend.telegram;

import io.tgcryptfs.backend.BackendException;

/**
 * Where a put document lives: {@code tg:<botId>:<chatId>:<messageId>:<fileId>}. The bot is named by its
 * numeric id (the public part of its token), not its position in {@code bot-tokens}, so reordering or
 * adding tokens keeps old references valid; a {@code file_id} only works for the bot that received it.
 */
record TelegramRef(long botId, long chatId, long messageId, String fileId) {
    static final String PREFIX = "tg:";

    static TelegramRef parse(String ref) throws BackendException {
        if (ref == null || !ref.startsWith(PREFIX)) {
            throw BackendException.permanent("not a Telegram reference: " + ref);
        }
        String[] parts = ref.substring(PREFIX.length()).split(":", 4);
        try {
            if (parts.length != 4 || parts[3].isEmpty()) {
                throw new IllegalArgumentException();
            }
            return new TelegramRef(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]),
                    parts[3]);
        } catch (IllegalArgumentException e) {
            throw BackendException.permanent("malformed Telegram reference: " + ref);
        }
    }

    @Override
    public String toString() {
        return PREFIX + botId + ":" + chatId + ":" + messageId + ":" + fileId;
    }
}
