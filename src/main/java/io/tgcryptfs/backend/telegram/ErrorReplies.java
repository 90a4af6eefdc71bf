package io.tgcryptfs.backend.telegram;

import com.fasterxml.jackson.databind.JsonNode;
import io.tgcryptfs.backend.BackendException;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Sorts one bot's failed Bot API replies into {@link BackendException} kinds, as {@link BotApiClient}
 * documents them. Kept apart from {@link BotApiError}, which is only the public record of a refusal that
 * callers inspect; building one needs the bot's label, its {@link Redactor} and the HTTP reply.
 */
final class ErrorReplies {
    /** A 429 whose parameters lack retry_after still says it in its description. */
    private static final Pattern RETRY_AFTER_TEXT = Pattern.compile("retry after (\\d+)");

    private final String label;
    private final Redactor redactor;

    ErrorReplies(String label, Redactor redactor) {
        this.label = label;
        this.redactor = redactor;
    }

    /**
     * The failure for a reply that did not say {@code "ok": true}.
     *
     * @param reply the reply's JSON, or null when it was not JSON
     */
    BackendException failure(String method, String context, int status, JsonNode reply, HttpHeaders headers) {
        boolean botApi = reply != null && reply.isObject() && reply.has("ok");
        if (!botApi && status >= 200 && status < 300) {
            return BackendException.transientFailure(label + " " + method + context
                    + ": the reply is not Bot API JSON (HTTP " + status + ")", null);
        }
        int code = botApi ? reply.path("error_code").asInt(status) : status;
        String description = redactor.redact(botApi
                ? reply.path("description").asText("(no description)")
                : "HTTP " + status + " (the reply is not Bot API JSON)");
        JsonNode parameters = botApi ? reply.path("parameters") : null;
        BotApiError error = new BotApiError(method, code, description);
        String message = label + " " + method + context + ": Telegram says " + code + " " + description;
        if (code == 429) {
            Duration retryAfter = retryAfter(parameters, headers, description);
            return new BackendException(BackendException.Kind.RATE_LIMITED,
                    message + " (retry after " + retryAfter.toSeconds() + "s)", retryAfter, error);
        }
        if (code >= 500 || code == 408) {
            return new BackendException(BackendException.Kind.TRANSIENT, message, Duration.ZERO, error);
        }
        String d = description.toLowerCase(Locale.ROOT);
        if (code == 400 && d.contains("temporarily")) {
            return new BackendException(BackendException.Kind.TRANSIENT, message, Duration.ZERO, error);
        }
        if (code == 400 && isNotFound(d)) {
            return new BackendException(BackendException.Kind.NOT_FOUND, message, Duration.ZERO, error);
        }
        if (code == 401) {
            message += " (the token was rejected: check bot-tokens / bot-token-files)";
        } else if (parameters != null && parameters.has("migrate_to_chat_id")) {
            message += " (the group became supergroup " + parameters.get("migrate_to_chat_id").asLong()
                    + ": put that id in chat-ids)";
        }
        return new BackendException(BackendException.Kind.PERMANENT, message, Duration.ZERO, error);
    }

    /** The failure for a file download answered 404. */
    BackendException downloadGone() {
        return new BackendException(BackendException.Kind.NOT_FOUND,
                label + " download: the file is gone (404)", Duration.ZERO,
                new BotApiError("download", 404, "Not Found"));
    }

    /** The failure for a reply that said {@code "ok": true} but lacks {@code what} the caller needs. */
    BackendException unexpected(String method, String context, String what) {
        return BackendException.permanent(label + " " + method + context + ": unexpected reply: " + what);
    }

    private static boolean isNotFound(String d) {
        if (d.contains("chat not found") || d.contains("user not found")) {
            return false;
        }
        return d.contains("message to delete not found") || d.contains("message to pin not found")
                || d.contains("message to unpin not found") || d.contains("invalid file_id")
                || d.contains("wrong file_id") || d.contains("wrong file identifier")
                || d.contains("file not found");
    }

    private static Duration retryAfter(JsonNode parameters, HttpHeaders headers, String description) {
        if (parameters != null && parameters.has("retry_after")) {
            return Duration.ofSeconds(Math.max(0, parameters.get("retry_after").asLong()));
        }
        var header = headers.firstValue("Retry-After");
        if (header.isPresent()) {
            try {
                return Duration.ofSeconds(Math.max(0, Long.parseLong(header.get().trim())));
            } catch (NumberFormatException e) {
                // an HTTP date rather than seconds: the description may still say it
            }
        }
        var m = RETRY_AFTER_TEXT.matcher(description);
        return m.find() ? Duration.ofSeconds(Long.parseLong(m.group(1))) : Duration.ofSeconds(5);
    }
}
