package io.tgcryptfs.backend.telegram;

import io.tgcryptfs.backend.Sleeper;
import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.backend.telegram.CheckResult.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

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
    private final Clock clock;
    private final Sleeper sleeper;
    private final Redactor redactor;
    private final List<Bot> bots;
    private final List<Lane> lanes;
    private final Lane rootLane;
    private final Object lock = new Object();

    // guarded by lock
    private int rotation;
    private String lastPermanentError;
    private Instant lastPermanentErrorAt;
    private boolean closed;
    /** Root messages in the root chat that are not (or no longer) the pinned root, to delete. */
    private final Set<Long> oldRootMessages = new LinkedHashSet<>();

    /** A store on the system clock, sleeping for real. */
    public static TelegramBlobStore create(TelegramSettings settings) {
        return new TelegramBlobStore(settings, Clock.systemUTC(), Sleeper.REAL);
    }

    public TelegramBlobStore(TelegramSettings settings, Clock clock, Sleeper sleeper) {
        this(settings, BotApiClient.newHttpClient(settings.requestTimeout()), clock, sleeper);
    }

    public TelegramBlobStore(TelegramSettings settings, HttpClient http, Clock clock, Sleeper sleeper) {
        this.settings = settings;
        this.clock = clock;
        this.sleeper = sleeper;
        this.redactor = new Redactor(settings.botTokens());
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
                l.add(new Lane(bot, chat, AdaptiveSpacing.perSecond(settings.perChatMessagesPerSecond()),
                        RateWindow.perMinute(settings.perChatMessagesPerMinute())));
            }
        }
        this.lanes = List.copyOf(l);
        this.rootLane = lanes.get(0);
    }

    public TelegramSettings settings() {
        return settings;
    }

    // ---------------------------------------------------------------- BlobStore

    @Override
    public String put(String name, Path file) throws BackendException {
        ensureOpen();
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
            Lane lane = acquire(l -> !tried.contains(l));
            if (lane == null) {
                throw allRefused(refusals);
            }
            try {
                BotApiClient.SentDocument sent = lane.bot.client.sendDocument(lane.chatId, name, file);
                succeeded(lane);
                return new TelegramRef(lane.bot.id, lane.chatId, sent.messageId(), sent.fileId()).toString();
            } catch (BackendException e) {
                failed(lane, e);
                if (!refusesChat(e)) {
                    throw e;
                }
                tried.add(lane);
                if (isTokenRejected(e)) {
                    lanes.stream().filter(x -> x.bot == lane.bot).forEach(tried::add);
                }
                refusals.add(e);
            }
        }
    }

    @Override
    public void get(String ref, Path target) throws BackendException {
        ensureOpen();
        TelegramRef r = TelegramRef.parse(ref);
        Bot bot = botById(r.botId());
        // getFile and the download share the bot's request pacing with its sends (not a chat's message quota)
        BotApiClient.FileInfo info = onBot(bot, () -> bot.client.getFile(r.fileId()));
        if (info.fileSize() > settings.maxDownloadBytes()) {
            throw BackendException.permanent("telegram: " + ref + " is " + info.fileSize()
                    + " bytes, above max-download-bytes " + settings.maxDownloadBytes());
        }
        onBot(bot, () -> bot.client.download(info.filePath(), target, info.fileSize()));
    }

    @Override
    public void delete(String ref) throws BackendException {
        ensureOpen();
        TelegramRef r = TelegramRef.parse(ref);
        Bot bot = botById(r.botId());
        onBot(bot, () -> {
            bot.client.deleteMessage(r.chatId(), r.messageId());
            return null;
        });
    }

    @Override
    public Optional<byte[]> getRoot() throws BackendException {
        ensureOpen();
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

    /**
     * Sends the new root message, pins it, then deletes the root message pinned before (and any root message
     * an earlier failed publish left unpinned). A failure before the pin fails the call and leaves the old
     * root pinned; a failure to delete afterwards is only logged.
     */
    @Override
    public void putRoot(byte[] root) throws BackendException {
        ensureOpen();
        if (root.length > MAX_ROOT_BYTES) {
            throw BackendException.permanent("telegram: root record of " + root.length
                    + " bytes does not fit in a message (at most " + MAX_ROOT_BYTES + ")");
        }
        String text = ROOT_PREFIX + Base64.getEncoder().encodeToString(root);
        BotApiClient.PinnedMessage previous = pinnedMessage();
        long messageId = onLane(rootLane, l -> l.bot.client.sendMessage(l.chatId, text));
        try {
            onLane(rootLane, l -> {
                l.bot.client.pinChatMessage(l.chatId, messageId);
                return null;
            });
        } catch (BackendException e) {
            synchronized (lock) {
                oldRootMessages.add(messageId);
            }
            // while the bot is paused the delete would have to wait; the next publish deletes it instead
            if (e.kind() != BackendException.Kind.RATE_LIMITED) {
                deleteOldRootMessages();
            }
            throw e;
        }
        synchronized (lock) {
            // a user's own pinned message is not ours to delete; pinning ours on top is enough
            if (previous != null && isRoot(previous) && previous.messageId() != messageId) {
                oldRootMessages.add(previous.messageId());
            }
            oldRootMessages.remove(messageId);
        }
        deleteOldRootMessages();
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
        synchronized (lock) {
            closed = true;
        }
    }

    // ---------------------------------------------------------------- status and check

    /** What the store knows now: per lane pauses, counts and refusals, and the last permanent error. */
    public TelegramStatus status() {
        synchronized (lock) {
            Instant now = clock.instant();
            List<TelegramStatus.ChatStatus> chats = new ArrayList<>();
            for (Lane l : lanes) {
                chats.add(new TelegramStatus.ChatStatus(l.bot.index, l.chatId,
                        paused(l.bot, now) ? l.bot.pausedUntil : null,
                        l.sends, l.rateLimited, l.transientFailures, l.refusedAt != null, l.lastError,
                        l.lastErrorAt));
            }
            return new TelegramStatus(chats, lastPermanentError, lastPermanentErrorAt);
        }
    }

    /**
     * Verifies the configuration against the live API, for {@code tgcryptfs telegram check}: settings
     * against the cloud API's limits; {@code getMe} per token; per bot and chat: the chat is visible, a
     * message can be posted, pinned (then unpinned) and deleted, and a document can be uploaded, read
     * back and deleted. Test messages are removed again; the root record's pin is left alone.
     */
    public List<CheckResult> check() {
        List<CheckResult> results = new ArrayList<>(checkSettings());
        for (Bot bot : bots) {
            try {
                BotApiClient.User me = onBot(bot, bot.client::getMe);
                results.add(new CheckResult(bot.label, "getMe", Outcome.OK,
                        "@" + me.username() + " (id " + me.id() + ")"));
            } catch (BackendException e) {
                results.add(new CheckResult(bot.label, "getMe", Outcome.FAILED, e.getMessage()));
                results.add(new CheckResult(bot.label, "chats", Outcome.SKIPPED, "getMe failed"));
                continue;
            }
            for (Lane lane : lanes) {
                if (lane.bot == bot) {
                    checkLane(lane, results);
                }
            }
        }
        return results;
    }

    /** The settings part of {@link #check()}: warnings where they exceed the cloud Bot API's limits. */
    public List<CheckResult> checkSettings() {
        List<CheckResult> results = new ArrayList<>();
        String subject = "settings";
        if (settings.isCloudApi()) {
            if (settings.maxDownloadBytes() > TelegramSettings.CLOUD_MAX_DOWNLOAD_BYTES) {
                results.add(new CheckResult(subject, "max-download-bytes", Outcome.WARNING,
                        settings.maxDownloadBytes() + " is above the cloud Bot API's 20 MB download limit;"
                                + " bigger packs could not be read back (use a self-hosted Bot API server)"));
            }
            if (settings.maxUploadBytes() > TelegramSettings.CLOUD_MAX_UPLOAD_BYTES) {
                results.add(new CheckResult(subject, "max-upload-bytes", Outcome.WARNING,
                        settings.maxUploadBytes() + " is above the cloud Bot API's 50 MB upload limit"));
            }
            if (settings.perChatMessagesPerSecond() > 1.0 || settings.perChatMessagesPerMinute() > 20
                    || settings.perBotMessagesPerSecond() > 30) {
                results.add(new CheckResult(subject, "rates", Outcome.WARNING,
                        "above Telegram's published limits (1/s and 20/min per chat, 30/s per bot): expect 429s"));
            }
        }
        results.add(new CheckResult(subject, "limits", Outcome.OK, settings.botTokens().size() + " bot(s), "
                + settings.chatIds().size() + " chat(s), objects up to " + settings.maxObjectBytes() + " bytes"));
        return results;
    }

    private void checkLane(Lane lane, List<CheckResult> results) {
        String subject = lane.bot.label + " / chat " + lane.chatId;
        try {
            BotApiClient.ChatInfo chat = onBot(lane.bot, () -> lane.bot.client.getChat(lane.chatId));
            results.add(new CheckResult(subject, "see the chat", Outcome.OK, chat.type() + " \"" + chat.title() + "\""));
            if (lane == rootLane && chat.pinnedMessage() != null && (chat.pinnedMessage().text() == null
                    || !chat.pinnedMessage().text().startsWith(ROOT_PREFIX))) {
                results.add(new CheckResult(subject, "pinned root record", Outcome.WARNING,
                        "the pinned message is not a tgcryptfs root record; unpin it before init"));
            }
        } catch (BackendException e) {
            results.add(new CheckResult(subject, "see the chat", Outcome.FAILED, e.getMessage()));
            return;
        }
        long messageId;
        try {
            messageId = onLaneRetrying(lane, l -> l.bot.client.sendMessage(l.chatId,
                    "tgcryptfs check: testing permissions; this message is deleted right away"));
            results.add(new CheckResult(subject, "post a message", Outcome.OK, "message " + messageId));
        } catch (BackendException e) {
            results.add(new CheckResult(subject, "post a message", Outcome.FAILED, e.getMessage()));
            return;
        }
        try {
            onLaneRetrying(lane, l -> {
                l.bot.client.pinChatMessage(l.chatId, messageId);
                return null;
            });
            results.add(new CheckResult(subject, "pin it", Outcome.OK, ""));
            try {
                onBot(lane.bot, () -> {
                    lane.bot.client.unpinChatMessage(lane.chatId, messageId);
                    return null;
                });
            } catch (BackendException e) {
                results.add(new CheckResult(subject, "unpin it", Outcome.FAILED, e.getMessage()));
            }
        } catch (BackendException e) {
            results.add(new CheckResult(subject, "pin it", Outcome.FAILED, e.getMessage()));
        }
        checkDocument(lane, subject, results);
        try {
            onBot(lane.bot, () -> {
                lane.bot.client.deleteMessage(lane.chatId, messageId);
                return null;
            });
            results.add(new CheckResult(subject, "delete it", Outcome.OK, ""));
        } catch (BackendException e) {
            results.add(new CheckResult(subject, "delete it", Outcome.FAILED, e.getMessage()));
        }
    }

    private void checkDocument(Lane lane, String subject, List<CheckResult> results) {
        byte[] probe = ("tgcryptfs check " + lane.chatId + "\n").getBytes(StandardCharsets.UTF_8);
        Path upload = null;
        Path download = null;
        try {
            upload = Files.createTempFile("tgcryptfs-check-", ".bin");
            download = Files.createTempFile("tgcryptfs-check-", ".back");
            Files.write(upload, probe);
            Path file = upload;
            BotApiClient.SentDocument sent = onLaneRetrying(lane,
                    l -> l.bot.client.sendDocument(l.chatId, "tgcryptfs-check.bin", file));
            results.add(new CheckResult(subject, "upload a document", Outcome.OK, "message " + sent.messageId()));
            try {
                BotApiClient.FileInfo info = onBot(lane.bot, () -> lane.bot.client.getFile(sent.fileId()));
                Path into = download;
                onBot(lane.bot, () -> lane.bot.client.download(info.filePath(), into, info.fileSize()));
                boolean same = Arrays.equals(probe, Files.readAllBytes(download));
                results.add(new CheckResult(subject, "download it", same ? Outcome.OK : Outcome.FAILED,
                        same ? "" : "the downloaded bytes differ from the uploaded ones"));
            } catch (BackendException e) {
                results.add(new CheckResult(subject, "download it", Outcome.FAILED, e.getMessage()));
            }
            try {
                onBot(lane.bot, () -> {
                    lane.bot.client.deleteMessage(lane.chatId, sent.messageId());
                    return null;
                });
                results.add(new CheckResult(subject, "delete the document", Outcome.OK, ""));
            } catch (BackendException e) {
                results.add(new CheckResult(subject, "delete the document", Outcome.FAILED, e.getMessage()));
            }
        } catch (BackendException e) {
            results.add(new CheckResult(subject, "upload a document", Outcome.FAILED, e.getMessage()));
        } catch (IOException e) {
            results.add(new CheckResult(subject, "upload a document", Outcome.FAILED, "local temp file: " + e));
        } finally {
            deleteQuietly(upload);
            deleteQuietly(download);
        }
    }

    // ---------------------------------------------------------------- root messages

    /** The root chat's pinned message as {@code getChat} shows it, or null. */
    private BotApiClient.PinnedMessage pinnedMessage() throws BackendException {
        Bot bot = rootLane.bot;
        return onBot(bot, () -> bot.client.getChat(rootLane.chatId)).pinnedMessage();
    }

    private static boolean isRoot(BotApiClient.PinnedMessage m) {
        return m.text() != null && m.text().startsWith(ROOT_PREFIX);
    }

    /**
     * Deletes the root messages in {@link #oldRootMessages}, best effort. Gone or deleted: forgotten. A 429 or
     * a temporary failure: kept for the next publish (after a 429 the rest wait too, so the publish does not
     * sit out the pause). Refused for good (Telegram may refuse to delete messages older than 48 hours):
     * logged, so the operator can delete it by hand, and forgotten.
     */
    private void deleteOldRootMessages() {
        List<Long> ids;
        synchronized (lock) {
            ids = new ArrayList<>(oldRootMessages);
        }
        Bot bot = rootLane.bot;
        long chat = rootLane.chatId;
        for (long id : ids) {
            try {
                onBot(bot, () -> {
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
        synchronized (lock) {
            oldRootMessages.remove(messageId);
        }
    }

    // ---------------------------------------------------------------- pacing

    /** A Bot API call made on one lane, paced like a message. */
    @FunctionalInterface
    private interface LaneCall<T> {
        T call(Lane lane) throws BackendException;
    }

    /** A Bot API request that spends no chat's message quota (getChat, getFile, a download, a delete). */
    @FunctionalInterface
    private interface BotCall<T> {
        T call() throws BackendException;
    }

    private <T> T onLane(Lane lane, LaneCall<T> call) throws BackendException {
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
    private <T> T onBot(Bot bot, BotCall<T> call) throws BackendException {
        paceBot(bot);
        try {
            return call.call();
        } catch (BackendException e) {
            if (e.kind() == BackendException.Kind.RATE_LIMITED) {
                synchronized (lock) {
                    pause(bot, e, " (" + redactor.redact(e.getMessage()) + ")");
                }
            }
            throw e;
        }
    }

    /** Like {@link #onLane} but waits out up to three 429s (for interactive checks). */
    private <T> T onLaneRetrying(Lane lane, LaneCall<T> call) throws BackendException {
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
    private Lane acquire(Predicate<Lane> allowed) throws BackendException {
        while (true) {
            Lane chosen = null;
            Instant at = null;
            synchronized (lock) {
                ensureOpenLocked();
                Instant now = clock.instant();
                boolean anyHealthy = lanes.stream().anyMatch(l -> allowed.test(l) && !refusing(l, now));
                for (int k = 0; k < lanes.size(); k++) {
                    Lane l = lanes.get((rotation + k) % lanes.size());
                    if (!allowed.test(l) || (anyHealthy && refusing(l, now))) {
                        continue;
                    }
                    Instant t = nextAllowed(l, now);
                    if (at == null || t.isBefore(at)) {
                        chosen = l;
                        at = t;
                    }
                }
                if (chosen == null) {
                    return null;
                }
                chosen.spacing.reserve(at);
                chosen.perMinute.reserve(at);
                chosen.bot.schedule.reserve(at);
                rotation = (lanes.indexOf(chosen) + 1) % lanes.size();
            }
            sleepUntil(at);
            synchronized (lock) {
                if (!paused(chosen.bot, clock.instant())) {
                    return chosen;
                }
                // a 429 paused the bot while we waited: choose again
            }
        }
    }

    /** The earliest moment at or after {@code now} when {@code lane} may send. Called under lock. */
    private Instant nextAllowed(Lane lane, Instant now) {
        Instant t = resumeAt(lane.bot, now);
        t = max(t, lane.spacing.nextAllowed(now));
        t = max(t, lane.perMinute.nextAllowed(now));
        return lane.bot.schedule.earliest(t, now);
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
                at = bot.schedule.earliest(resumeAt(bot, now), now);
                bot.schedule.reserve(at);
            }
            sleepUntil(at);
            synchronized (lock) {
                if (!paused(bot, clock.instant())) {
                    return;
                }
            }
        }
    }

    /** {@code now}, or the end of the bot's pause if it is paused. Called under lock. */
    private static Instant resumeAt(Bot bot, Instant now) {
        return paused(bot, now) ? bot.pausedUntil : now;
    }

    private static boolean paused(Bot bot, Instant now) {
        return bot.pausedUntil != null && bot.pausedUntil.isAfter(now);
    }

    /**
     * Telegram answered 429 to one of {@code bot}'s requests: none of the bot's requests goes out until
     * retry_after has passed. Called under lock.
     */
    private void pause(Bot bot, BackendException e, String where) {
        Instant until = clock.instant().plus(e.retryAfter());
        if (bot.pausedUntil == null || until.isAfter(bot.pausedUntil)) {
            bot.pausedUntil = until;
        }
        log.info("{} paused on every chat for {}s: Telegram answered 429{}", bot.label, e.retryAfter().toSeconds(),
                where);
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

    private boolean refusing(Lane lane, Instant now) {
        return lane.refusedAt != null && now.isBefore(lane.refusedAt.plus(settings.failedChatRetryAfter()));
    }

    // ---------------------------------------------------------------- bookkeeping

    private void succeeded(Lane lane) {
        synchronized (lock) {
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
    }

    private void failed(Lane lane, BackendException e) {
        String reason = redactor.redact(e.getMessage());
        synchronized (lock) {
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
    }

    private BackendException refuse(String message) {
        synchronized (lock) {
            lastPermanentError = message;
            lastPermanentErrorAt = clock.instant();
        }
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

    private static boolean refusesChat(BackendException e) {
        return e.kind() == BackendException.Kind.PERMANENT && e.getCause() instanceof BotApiError err
                && err.refusesChat();
    }

    private static boolean isTokenRejected(BackendException e) {
        return e.getCause() instanceof BotApiError err && err.errorCode() == 401;
    }

    private Bot botById(long botId) throws BackendException {
        for (Bot b : bots) {
            if (b.id == botId) {
                return b;
            }
        }
        throw BackendException.permanent("telegram: the object was uploaded by bot " + botId
                + ", which is not among the configured bot-tokens (a file_id only works for its own bot)");
    }

    private void ensureOpen() throws BackendException {
        synchronized (lock) {
            ensureOpenLocked();
        }
    }

    private void ensureOpenLocked() throws BackendException {
        if (closed) {
            throw BackendException.permanent("telegram: the store is closed");
        }
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                log.debug("cannot delete {}: {}", p, e.toString());
            }
        }
    }

    /** One configured bot. */
    private static final class Bot {
        final int index;
        final long id;
        final String label;
        final BotApiClient client;
        final SlotSchedule schedule;
        /** No request of this bot goes out before this (Telegram's last retry_after), or null. Guarded by lock. */
        Instant pausedUntil;

        Bot(int index, long id, String label, BotApiClient client, SlotSchedule schedule) {
            this.index = index;
            this.id = id;
            this.label = label;
            this.client = client;
            this.schedule = schedule;
        }
    }

    /** One (bot, chat) pair: its limiters and what happened on it. Mutable fields are guarded by lock. */
    private static final class Lane {
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
    }
}
