package io.tgcryptfs.backend.telegram;

import io.tgcryptfs.backend.Sleeper;
import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backend.BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Telegram as a {@link BlobStore}: each object is a document in one of the configured chats, sent by one
 * of the configured bots; the root record is the first chat's pinned message.
 *
 * <p><b>Striping and pacing.</b> Every (bot, chat) pair is a <em>lane</em> with its own limits (Telegram
 * counts messages per bot per chat): at most {@code per-chat-messages-per-second}, evenly spaced, and
 * {@code per-chat-messages-per-minute} in any 60 s; each bot also keeps its sends
 * {@code 1 / per-bot-messages-per-second} apart across its lanes, and every other request it makes (getChat,
 * getFile, downloads, deletes) takes a place in that same per-bot spacing; pins are paced like messages. A
 * put takes the lane whose next allowed send is earliest (ties rotate), reserves that moment in every
 * limiter, and waits for it outside any lock, so concurrent puts queue up in order and a slow put never
 * blocks the others' bookkeeping. Waiting is backpressure: put blocks, it does not fail.
 *
 * <p><b>429.</b> The Bot API does not say whether a 429 came from a chat's limit or the bot's, and Telegram
 * answers requests to other chats during an announced pause with 429s too, so a 429 to any request pauses
 * the whole bot: none of its requests (sends, pins, getChat, getFile, downloads, deletes) goes out to any
 * chat until {@code retry_after} has passed, including requests that had already reserved a moment and
 * were waiting for it. The failure is rethrown as {@code RATE_LIMITED}; the caller's retry picks again
 * and so lands on another bot's lane if there is one. A 429 on a lane also widens that lane's spacing
 * ({@link AdaptiveSpacing}); accepted sends narrow it again, slowly, down to the configured rate.
 *
 * <p><b>Chats that refuse.</b> A send refused for good because of the chat or the bot (403, 401, "chat not
 * found", missing rights) marks that lane as refusing and the same put moves on to another lane; the
 * refusing lane is skipped for {@code failed-chat-retry-after} and then tried again, so uploads resume when
 * access returns. Only when every lane has refused does put throw {@code PERMANENT}, with the reasons.
 *
 * <p><b>Root record.</b> {@link #putRoot} sends a new root message, pins it, and only then deletes the root
 * message that was pinned before, so the chat converges on one root record and an old one (the master key
 * wrapped under an old password, after {@code passwd}) does not stay behind. Deleting is best effort: a
 * root message that could not be deleted is logged, and tried again after the next publish if the failure
 * was temporary.
 *
 * <p>Time and waiting are injected ({@link Clock}, {@link Sleeper}); the store reads no clock of its own.
 * Tokens never appear in messages, logs or {@link #status()}.
 *
 * <p>The parts: {@code LanePool} chooses and paces lanes, {@code LaneHealth} records what Telegram answered
 * on them, {@code RootMessages} keeps the root record, {@code TelegramChecks} runs {@link #check()}.
 */
public final class TelegramBlobStore implements BlobStore {
    private static final Logger log = LoggerFactory.getLogger(TelegramBlobStore.class);

    /** The text in front of the Base64 root record in the pinned message. */
    public static final String ROOT_PREFIX = "tgcryptfs-root:";
    /** Telegram's limit on a message's text, in characters. */
    static final int MAX_MESSAGE_CHARS = 4096;
    /** The largest root record that fits in one message. */
    public static final int MAX_ROOT_BYTES = (MAX_MESSAGE_CHARS - ROOT_PREFIX.length()) / 4 * 3;

    private final TelegramSettings settings;
    private final LanePool pool;
    private final RootMessages roots;
    private final TelegramChecks checks;

    /** A store on the system clock, sleeping for real. */
    public static TelegramBlobStore create(TelegramSettings settings) {
        return new TelegramBlobStore(settings, Clock.systemUTC(), Sleeper.REAL);
    }

    public TelegramBlobStore(TelegramSettings settings, Clock clock, Sleeper sleeper) {
        this(settings, BotApiClient.newHttpClient(settings.requestTimeout()), clock, sleeper);
    }

    public TelegramBlobStore(TelegramSettings settings, HttpClient http, Clock clock, Sleeper sleeper) {
        this.settings = settings;
        Redactor redactor = new Redactor(settings.botTokens());
        this.pool = new LanePool(settings, http, clock, sleeper, redactor);
        Lane rootLane = pool.lanes().get(0);
        this.roots = new RootMessages(pool, rootLane, redactor);
        this.checks = new TelegramChecks(settings, pool, rootLane);
    }

    public TelegramSettings settings() {
        return settings;
    }

    // ---------------------------------------------------------------- BlobStore

    @Override
    public String put(String name, Path file) throws BackendException {
        pool.ensureOpen();
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw BackendException.permanent("telegram: cannot read " + file + " to upload it: " + e);
        }
        if (size > settings.maxUploadBytes()) {
            throw refuse("telegram: object " + name + " is " + size + " bytes, above max-upload-bytes "
                    + settings.maxUploadBytes() + "; make packs smaller (pack.target-size)");
        }
        if (size > settings.maxDownloadBytes()) {
            throw refuse("telegram: object " + name + " is " + size + " bytes, above max-download-bytes "
                    + settings.maxDownloadBytes() + ", so it could not be downloaded again; make packs smaller"
                    + " (pack.target-size)");
        }
        Set<Lane> tried = new HashSet<>();
        List<BackendException> refusals = new ArrayList<>();
        while (true) {
            Lane lane = pool.acquire(l -> !tried.contains(l));
            if (lane == null) {
                throw allRefused(refusals);
            }
            try {
                BotApiClient.SentDocument sent = lane.bot.client.sendDocument(lane.chatId, name, file);
                pool.succeeded(lane);
                return new TelegramRef(lane.bot.id, lane.chatId, sent.messageId(), sent.fileId()).toString();
            } catch (BackendException e) {
                pool.failed(lane, e);
                if (!LaneHealth.refusesChat(e)) {
                    throw e;
                }
                tried.add(lane);
                if (LaneHealth.isTokenRejected(e)) {
                    tried.addAll(pool.lanesOf(lane.bot));
                }
                refusals.add(e);
            }
        }
    }

    @Override
    public void get(String ref, Path target) throws BackendException {
        pool.ensureOpen();
        TelegramRef r = TelegramRef.parse(ref);
        Bot bot = pool.botById(r.botId());
        // getFile and the download share the bot's request pacing with its sends (not a chat's message quota)
        BotApiClient.FileInfo info = pool.onBot(bot, () -> bot.client.getFile(r.fileId()));
        if (info.fileSize() > settings.maxDownloadBytes()) {
            throw BackendException.permanent("telegram: " + ref + " is " + info.fileSize()
                    + " bytes, above max-download-bytes " + settings.maxDownloadBytes());
        }
        pool.onBot(bot, () -> bot.client.download(info.filePath(), target, info.fileSize()));
    }

    @Override
    public void delete(String ref) throws BackendException {
        pool.ensureOpen();
        TelegramRef r = TelegramRef.parse(ref);
        Bot bot = pool.botById(r.botId());
        try {
            pool.onBot(bot, () -> {
                bot.client.deleteMessage(r.chatId(), r.messageId());
                return null;
            });
        } catch (BackendException e) {
            // "message to delete not found": gone already, by an earlier try whose answer was lost
            if (e.kind() != BackendException.Kind.NOT_FOUND) {
                throw e;
            }
        }
    }

    @Override
    public Optional<byte[]> getRoot() throws BackendException {
        pool.ensureOpen();
        return roots.get();
    }

    /**
     * Sends the new root message, pins it, then deletes the root message pinned before (and any root message
     * an earlier failed publish left unpinned). A failure before the pin fails the call and leaves the old
     * root pinned; a failure to delete afterwards is only logged.
     */
    @Override
    public void putRoot(byte[] root) throws BackendException {
        pool.ensureOpen();
        roots.put(root);
    }

    /** One line per (bot, chat) lane, then the last permanent error if there is one. */
    @Override
    public List<String> statusLines() {
        TelegramStatus s = status();
        List<String> lines = new ArrayList<>();
        for (TelegramStatus.ChatStatus c : s.chats()) {
            StringBuilder b = new StringBuilder("telegram bot #").append(c.botIndex()).append(" / chat ")
                    .append(c.chatId()).append(": ").append(c.sends()).append(" sent, ").append(c.rateLimited())
                    .append(" rate-limited, ").append(c.transientFailures()).append(" transient failures");
            if (c.pausedUntil() != null) {
                b.append(", paused until ").append(c.pausedUntil());
            }
            if (c.refusing()) {
                b.append(", REFUSING: ").append(c.lastError());
            }
            lines.add(b.toString());
        }
        if (s.lastPermanentError() != null) {
            lines.add("telegram last permanent error at " + s.lastPermanentErrorAt() + ": " + s.lastPermanentError());
        }
        return List.copyOf(lines);
    }

    @Override
    public long maxObjectBytes() {
        return settings.maxObjectBytes();
    }

    @Override
    public void close() {
        pool.close();
    }

    // ---------------------------------------------------------------- status and check

    /** What the store knows now: per lane pauses, counts and refusals, and the last permanent error. */
    public TelegramStatus status() {
        return pool.status();
    }

    /**
     * Verifies the configuration against the live API, for {@code tgcryptfs telegram check}: settings
     * against the cloud API's limits; {@code getMe} per token; per bot and chat: the chat is visible, a
     * message can be posted, pinned (then unpinned) and deleted, and a document can be uploaded, read
     * back and deleted. Test messages are removed again; the root record's pin is left alone.
     */
    public List<CheckResult> check() {
        return checks.check();
    }

    /** The settings part of {@link #check()}: warnings where they exceed the cloud Bot API's limits. */
    public List<CheckResult> checkSettings() {
        return checks.checkSettings();
    }

    // ---------------------------------------------------------------- helpers

    private BackendException refuse(String message) {
        pool.permanentError(message);
        log.warn("{}", message);
        return BackendException.permanent(message);
    }

    private static BackendException allRefused(List<BackendException> refusals) {
        if (refusals.size() == 1) {
            return refusals.get(0);
        }
        StringBuilder b = new StringBuilder("telegram: every chat refused the upload:");
        for (BackendException e : refusals) {
            b.append("\n  ").append(e.getMessage());
        }
        return new BackendException(BackendException.Kind.PERMANENT, b.toString(), Duration.ZERO,
                refusals.isEmpty() ? null : refusals.get(refusals.size() - 1));
    }
}
