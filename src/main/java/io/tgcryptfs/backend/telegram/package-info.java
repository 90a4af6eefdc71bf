/**
 * The Telegram backend: a {@link io.tgcryptfs.backend.BlobStore} over the Telegram Bot API.
 *
 * <p><b>What enters:</b> {@link io.tgcryptfs.backend.telegram.TelegramSettings} (built once from
 * {@code tgcryptfs.backend.telegram}), an injected {@link java.time.Clock} and
 * {@link io.tgcryptfs.backend.Sleeper}, and the BlobStore calls: a random object name with a file
 * (put), a reference (get, delete), the root record's bytes (putRoot).
 *
 * <p><b>What leaves:</b> references {@code tg:<botId>:<chatId>:<messageId>:<fileId>}, downloaded files,
 * the root record, failures as {@link io.tgcryptfs.backend.BackendException} (RATE_LIMITED with Telegram's
 * retry_after, TRANSIENT, PERMANENT with Telegram's reason, NOT_FOUND), a
 * {@link io.tgcryptfs.backend.telegram.TelegramStatus} snapshot and
 * {@link io.tgcryptfs.backend.telegram.CheckResult}s for {@code tgcryptfs telegram check}.
 *
 * <p><b>Flow:</b> put -> pick the (bot, chat) lane whose next send is allowed earliest -> reserve the moment
 * in the lane's adaptive spacing and per-minute window and the bot's schedule -> wait -> {@code sendDocument}
 * (multipart, silent, random file name) -> reference. A 429 to any request pauses every request of that bot
 * for {@code retry_after} and widens the lane's spacing (successes narrow it again); a chat that refuses the
 * bot is skipped (and retried later) while other chats work. get -> {@code getFile} -> download
 * {@code /file/bot<token>/<path>} into a temporary sibling -> rename, both in the bot's request spacing.
 * delete -> {@code deleteMessage}. Root: {@code getChat} (the pinned root so far) ->
 * {@code sendMessage("tgcryptfs-root:" + Base64)} + {@code pinChatMessage} in the first chat -> delete the
 * earlier root message; read back with {@code getChat} -> {@code pinned_message}. Retries belong to the
 * caller (the upload pipeline); this package only paces and classifies.
 *
 * <p><b>Secrets:</b> bot tokens are in every request URL, so URLs are never logged or put in messages, and
 * every message and exception cause passes through a redactor; {@code TelegramSettings.toString()} hides them.
 *
 * <p><b>May import:</b> {@code java.*} (the JDK's {@link java.net.http.HttpClient}), Jackson, Typesafe Config
 * (settings only), slf4j, and {@code io.tgcryptfs.backend}. Nothing else in tgcryptfs; nothing imports this
 * package except the code that chooses a backend and the {@code telegram check} command.
 */
package io.tgcryptfs.backend.telegram;
