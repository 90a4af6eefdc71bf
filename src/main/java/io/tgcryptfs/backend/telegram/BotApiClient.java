package io.tgcryptfs.backend.telegram;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tgcryptfs.backend.BackendException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One bot's view of the Telegram Bot API: a thin, blocking client over {@link HttpClient} and Jackson.
 * Every failure is a {@link BackendException} saying what a caller can do:
 * <ul>
 *   <li>429 (any method) -> {@code RATE_LIMITED} with Telegram's {@code retry_after};</li>
 *   <li>5xx, timeouts, dropped or refused connections, non-JSON replies -> {@code TRANSIENT};</li>
 *   <li>"message to delete not found", an unknown {@code file_id}, a download 404 -> {@code NOT_FOUND};</li>
 *   <li>anything else the API refuses (400, 401, 403, 404, 413) -> {@code PERMANENT}, with Telegram's
 *       description in the message.</li>
 * </ul>
 * Refusals carry a {@link BotApiError} as cause. The token is part of every URL, so no URL is ever put in
 * a message or a log line, and every message and cause passes through a {@link Redactor}.
 */
public final class BotApiClient {
    private static final Logger log = LoggerFactory.getLogger(BotApiClient.class);
    private static final int MAX_ERROR_BODY = 64 * 1024;
    private static final List<String> FILE_FIELDS =
            List.of("document", "animation", "video", "audio", "voice", "video_note", "sticker");

    /** The bot as {@code getMe} describes it. */
    public record User(long id, String username, boolean isBot) {
    }

    /** A sent document: where it is ({@code messageId}) and how to fetch it ({@code fileId}). */
    public record SentDocument(long messageId, String fileId, String fileUniqueId, long fileSize) {
    }

    /** The chat as {@code getChat} describes it; {@code pinnedMessage} is null when nothing is pinned. */
    public record ChatInfo(long id, String type, String title, PinnedMessage pinnedMessage) {
    }

    /** The chat's most recent pinned message; {@code text} is null when it has none (e.g. a document). */
    public record PinnedMessage(long messageId, String text) {
    }

    /** {@code getFile}'s answer; {@code fileSize} is -1 when Telegram did not say. */
    public record FileInfo(String fileId, String filePath, long fileSize) {
    }

    private final HttpClient http;
    private final String apiUrl;
    private final String token;
    private final Duration timeout;
    private final String label;
    private final Redactor redactor;
    private final ErrorReplies errors;
    private final ObjectMapper json = new ObjectMapper();
    private final AtomicLong boundaries = new AtomicLong();

    /**
     * @param label how this bot is named in messages, e.g. "bot #0"; never the token
     */
    public BotApiClient(HttpClient http, URI apiUrl, String token, Duration requestTimeout, String label) {
        this.http = http;
        this.apiUrl = apiUrl.toString().replaceAll("/+$", "");
        this.token = token;
        this.timeout = requestTimeout;
        this.label = label;
        this.redactor = new Redactor(List.of(token));
        this.errors = new ErrorReplies(label, redactor);
    }

    /** An HTTP client suitable for the Bot API: HTTP/1.1, no redirects (they would carry the token). */
    public static HttpClient newHttpClient(Duration connectTimeout) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(connectTimeout)
                .build();
    }

    public String label() {
        return label;
    }

    public User getMe() throws BackendException {
        JsonNode r = call("getMe", json.createObjectNode(), "");
        return new User(r.path("id").asLong(), r.path("username").asText(""), r.path("is_bot").asBoolean());
    }

    /**
     * Sends {@code file} as a document named {@code fileName}, silently.
     */
    public SentDocument sendDocument(long chatId, String fileName, Path file) throws BackendException {
        String context = " to chat " + chatId;
        MultipartForm form = new MultipartForm(boundaries.incrementAndGet())
                .field("chat_id", Long.toString(chatId))
                .field("disable_notification", "true")
                .field("disable_content_type_detection", "true");
        HttpRequest.BodyPublisher body;
        try {
            body = form.withFile("document", fileName, file);
        } catch (FileNotFoundException e) {
            throw BackendException.permanent("cannot read " + file + " to upload it");
        }
        HttpRequest request = HttpRequest.newBuilder(methodUri("sendDocument"))
                .timeout(timeout)
                .header("Content-Type", form.contentType())
                .POST(body)
                .build();
        JsonNode r = send("sendDocument", context, request);
        long messageId = r.path("message_id").asLong(-1);
        for (String f : FILE_FIELDS) {
            JsonNode doc = r.path(f);
            if (doc.hasNonNull("file_id") && messageId >= 0) {
                return new SentDocument(messageId, doc.get("file_id").asText(),
                        doc.path("file_unique_id").asText(""), doc.path("file_size").asLong(-1));
            }
        }
        throw errors.unexpected("sendDocument", context, "the reply has no message_id or document.file_id");
    }

    /** Sends a plain text message, silently, and returns its message id. */
    public long sendMessage(long chatId, String text) throws BackendException {
        ObjectNode p = json.createObjectNode();
        p.put("chat_id", chatId);
        p.put("text", text);
        p.put("disable_notification", true);
        String context = " to chat " + chatId;
        JsonNode r = call("sendMessage", p, context);
        if (!r.has("message_id")) {
            throw errors.unexpected("sendMessage", context, "the reply has no message_id");
        }
        return r.get("message_id").asLong();
    }

    /** Pins a message without notifying anyone. */
    public void pinChatMessage(long chatId, long messageId) throws BackendException {
        ObjectNode p = json.createObjectNode();
        p.put("chat_id", chatId);
        p.put("message_id", messageId);
        p.put("disable_notification", true);
        call("pinChatMessage", p, " in chat " + chatId);
    }

    /** Unpins one message (others stay pinned). */
    public void unpinChatMessage(long chatId, long messageId) throws BackendException {
        ObjectNode p = json.createObjectNode();
        p.put("chat_id", chatId);
        p.put("message_id", messageId);
        call("unpinChatMessage", p, " in chat " + chatId);
    }

    public ChatInfo getChat(long chatId) throws BackendException {
        ObjectNode p = json.createObjectNode();
        p.put("chat_id", chatId);
        JsonNode r = call("getChat", p, " for chat " + chatId);
        JsonNode pinned = r.path("pinned_message");
        PinnedMessage pin = pinned.isObject()
                ? new PinnedMessage(pinned.path("message_id").asLong(), pinned.hasNonNull("text")
                        ? pinned.get("text").asText() : null)
                : null;
        return new ChatInfo(r.path("id").asLong(chatId), r.path("type").asText(""), r.path("title").asText(""), pin);
    }

    public FileInfo getFile(String fileId) throws BackendException {
        ObjectNode p = json.createObjectNode();
        p.put("file_id", fileId);
        JsonNode r = call("getFile", p, "");
        if (!r.hasNonNull("file_path")) {
            throw errors.unexpected("getFile", "", "the reply has no file_path");
        }
        return new FileInfo(r.path("file_id").asText(fileId), r.get("file_path").asText(),
                r.path("file_size").asLong(-1));
    }

    public void deleteMessage(long chatId, long messageId) throws BackendException {
        ObjectNode p = json.createObjectNode();
        p.put("chat_id", chatId);
        p.put("message_id", messageId);
        call("deleteMessage", p, " in chat " + chatId);
    }

    /**
     * Streams the file at {@code filePath} (from {@link #getFile}) to {@code target}, through a temporary
     * sibling that is renamed into place only when complete. A self-hosted server in {@code --local}
     * mode answers with an absolute path on its own disk; that file is copied instead.
     *
     * @param expectedSize the size {@code getFile} reported, or -1
     * @return the number of bytes written
     */
    public long download(String filePath, Path target, long expectedSize) throws BackendException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, ".tg-download-", ".part");
        } catch (IOException e) {
            throw BackendException.transientFailure("cannot create a temporary file next to " + target + ": " + e, e);
        }
        try {
            long n = filePath.startsWith("/") ? copyLocal(filePath, tmp) : fetch(filePath, tmp);
            if (expectedSize >= 0 && n != expectedSize) {
                throw BackendException.transientFailure(label + " download: got " + n + " bytes, Telegram said "
                        + expectedSize + " (connection cut?)", null);
            }
            moveIntoPlace(tmp, target);
            return n;
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                log.debug("cannot delete {}: {}", tmp, e.toString());
            }
        }
    }

    private long fetch(String filePath, Path tmp) throws BackendException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(apiUrl + "/file/bot" + token + "/" + filePath))
                .timeout(timeout)
                .GET()
                .build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            throw BackendException.transientFailure(label + " download: no reply within " + timeout,
                    redactor.sanitize(e));
        } catch (IOException e) {
            throw BackendException.transientFailure(label + " download: connection failed: "
                    + redactor.redact(e.toString()), redactor.sanitize(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw BackendException.transientFailure(label + " download: interrupted", null);
        }
        try (InputStream in = response.body()) {
            int status = response.statusCode();
            if (status != 200) {
                byte[] body = in.readNBytes(MAX_ERROR_BODY);
                if (status == 404) {
                    throw errors.downloadGone();
                }
                throw errors.failure("download", "", status, parse(body), response.headers());
            }
            long n = 0;
            byte[] buf = new byte[256 * 1024];
            try (OutputStream out = Files.newOutputStream(tmp)) {
                while (true) {
                    int r;
                    try {
                        r = in.read(buf);
                    } catch (IOException e) {
                        throw BackendException.transientFailure(label + " download: connection failed after "
                                + n + " bytes: " + redactor.redact(e.toString()), redactor.sanitize(e));
                    }
                    if (r < 0) {
                        break;
                    }
                    out.write(buf, 0, r);
                    n += r;
                }
            }
            return n;
        } catch (IOException e) {
            throw BackendException.transientFailure(label + " download into " + tmp + " failed: "
                    + redactor.redact(e.toString()), redactor.sanitize(e));
        }
    }

    private long copyLocal(String filePath, Path tmp) throws BackendException {
        try {
            Files.copy(Path.of(filePath), tmp, StandardCopyOption.REPLACE_EXISTING);
            return Files.size(tmp);
        } catch (NoSuchFileException e) {
            throw BackendException.notFound(label + " download: the local Bot API server's file is gone");
        } catch (IOException e) {
            throw BackendException.transientFailure(label + " download: cannot copy the local Bot API server's"
                    + " file: " + redactor.redact(e.getClass().getSimpleName()), redactor.sanitize(e));
        }
    }

    private JsonNode call(String method, ObjectNode params, String context) throws BackendException {
        byte[] body;
        try {
            body = json.writeValueAsBytes(params);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode JSON", e);
        }
        HttpRequest request = HttpRequest.newBuilder(methodUri(method))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return send(method, context, request);
    }

    private JsonNode send(String method, String context, HttpRequest request) throws BackendException {
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            throw BackendException.transientFailure(label + " " + method + context + ": no reply within " + timeout,
                    redactor.sanitize(e));
        } catch (IOException e) {
            throw BackendException.transientFailure(label + " " + method + context + ": connection failed: "
                    + redactor.redact(e.toString()), redactor.sanitize(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw BackendException.transientFailure(label + " " + method + context + ": interrupted", null);
        }
        log.debug("{} {}{}: HTTP {}", label, method, context, response.statusCode());
        JsonNode reply = parse(response.body());
        if (reply != null && reply.path("ok").asBoolean(false)) {
            if (!reply.has("result")) {
                throw errors.unexpected(method, context, "the reply has no result");
            }
            return reply.get("result");
        }
        throw errors.failure(method, context, response.statusCode(), reply, response.headers());
    }

    private JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            return json.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private URI methodUri(String method) {
        return URI.create(apiUrl + "/bot" + token + "/" + method);
    }

    private static void moveIntoPlace(Path from, Path to) throws BackendException {
        try {
            try {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw BackendException.transientFailure("cannot move the download into " + to + ": " + e, e);
        }
    }
}
