package io.tgcryptfs.backend.telegram;

import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backend.telegram.CheckResult.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code tgcryptfs telegram check}: the settings against the cloud Bot API's limits, then each bot and each of
 * its lanes against the live API (see {@link TelegramBlobStore#check()}).
 */
final class TelegramChecks {
    // the store's log category, so log settings that name TelegramBlobStore still cover these lines
    private static final Logger log = LoggerFactory.getLogger(TelegramBlobStore.class);

    private final TelegramSettings settings;
    private final LanePool pool;
    private final Lane rootLane;

    TelegramChecks(TelegramSettings settings, LanePool pool, Lane rootLane) {
        this.settings = settings;
        this.pool = pool;
        this.rootLane = rootLane;
    }

    List<CheckResult> check() {
        List<CheckResult> results = new ArrayList<>(checkSettings());
        for (Bot bot : pool.bots()) {
            try {
                BotApiClient.User me = pool.onBot(bot, bot.client::getMe);
                results.add(new CheckResult(bot.label, "getMe", Outcome.OK,
                        "@" + me.username() + " (id " + me.id() + ")"));
            } catch (BackendException e) {
                results.add(new CheckResult(bot.label, "getMe", Outcome.FAILED, e.getMessage()));
                results.add(new CheckResult(bot.label, "chats", Outcome.SKIPPED, "getMe failed"));
                continue;
            }
            for (Lane lane : pool.lanesOf(bot)) {
                checkLane(lane, results);
            }
        }
        return results;
    }

    List<CheckResult> checkSettings() {
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
            BotApiClient.ChatInfo chat = pool.onBot(lane.bot, () -> lane.bot.client.getChat(lane.chatId));
            results.add(new CheckResult(subject, "see the chat", Outcome.OK, chat.type() + " \"" + chat.title() + "\""));
            if (lane == rootLane && chat.pinnedMessage() != null && !RootMessages.isRoot(chat.pinnedMessage())) {
                results.add(new CheckResult(subject, "pinned root record", Outcome.WARNING,
                        "the pinned message is not a tgcryptfs root record; unpin it before init"));
            }
        } catch (BackendException e) {
            results.add(new CheckResult(subject, "see the chat", Outcome.FAILED, e.getMessage()));
            return;
        }
        long messageId;
        try {
            messageId = pool.onLaneRetrying(lane, l -> l.bot.client.sendMessage(l.chatId,
                    "tgcryptfs check: testing permissions; this message is deleted right away"));
            results.add(new CheckResult(subject, "post a message", Outcome.OK, "message " + messageId));
        } catch (BackendException e) {
            results.add(new CheckResult(subject, "post a message", Outcome.FAILED, e.getMessage()));
            return;
        }
        try {
            pool.onLaneRetrying(lane, l -> {
                l.bot.client.pinChatMessage(l.chatId, messageId);
                return null;
            });
            results.add(new CheckResult(subject, "pin it", Outcome.OK, ""));
            try {
                pool.onBot(lane.bot, () -> {
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
            pool.onBot(lane.bot, () -> {
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
            BotApiClient.SentDocument sent = pool.onLaneRetrying(lane,
                    l -> l.bot.client.sendDocument(l.chatId, "tgcryptfs-check.bin", file));
            results.add(new CheckResult(subject, "upload a document", Outcome.OK, "message " + sent.messageId()));
            try {
                BotApiClient.FileInfo info = pool.onBot(lane.bot, () -> lane.bot.client.getFile(sent.fileId()));
                Path into = download;
                pool.onBot(lane.bot, () -> lane.bot.client.download(info.filePath(), into, info.fileSize()));
                boolean same = Arrays.equals(probe, Files.readAllBytes(download));
                results.add(new CheckResult(subject, "download it", same ? Outcome.OK : Outcome.FAILED,
                        same ? "" : "the downloaded bytes differ from the uploaded ones"));
            } catch (BackendException e) {
                results.add(new CheckResult(subject, "download it", Outcome.FAILED, e.getMessage()));
            }
            try {
                pool.onBot(lane.bot, () -> {
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

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                log.debug("cannot delete {}: {}", p, e.toString());
            }
        }
    }
}
