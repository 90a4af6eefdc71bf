package io.tgcryptfs.backend;

import java.time.Duration;

/** A backend failure and what the caller may do about it. */
public final class BackendException extends Exception {
    public enum Kind {
        /** The backend asked us to wait {@code retryAfter} (Telegram 429). */
        RATE_LIMITED,
        /** 5xx, timeouts, dropped connections: retry with backoff. */
        TRANSIENT,
        /** The request cannot succeed as configured (403, chat gone, object too big): stop and report. */
        PERMANENT,
        /** The object does not exist. */
        NOT_FOUND
    }

    private final Kind kind;
    private final Duration retryAfter;

    public BackendException(Kind kind, String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.retryAfter = retryAfter;
    }

    public static BackendException transientFailure(String message, Throwable cause) {
        return new BackendException(Kind.TRANSIENT, message, Duration.ZERO, cause);
    }

    public static BackendException permanent(String message) {
        return new BackendException(Kind.PERMANENT, message, Duration.ZERO, null);
    }

    public static BackendException notFound(String message) {
        return new BackendException(Kind.NOT_FOUND, message, Duration.ZERO, null);
    }

    public static BackendException rateLimited(String message, Duration retryAfter) {
        return new BackendException(Kind.RATE_LIMITED, message, retryAfter, null);
    }

    public Kind kind() {
        return kind;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
