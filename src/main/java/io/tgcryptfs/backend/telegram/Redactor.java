package io.tgcryptfs.backend.telegram;

import java.util.List;

/**
 * Removes bot tokens from text and exceptions. Every message that leaves this package passes through
 * here, so a token that slipped into a JDK exception (or a server's reply) never reaches a log.
 */
final class Redactor {
    private final List<String> tokens;

    Redactor(List<String> tokens) {
        this.tokens = List.copyOf(tokens);
    }

    String redact(String text) {
        if (text == null) {
            return null;
        }
        String result = text;
        for (int i = 0; i < tokens.size(); i++) {
            String token = tokens.get(i);
            String secret = token.substring(token.indexOf(':') + 1);
            result = result.replace(token, "<token#" + i + ">");
            if (secret.length() >= 8) {
                result = result.replace(secret, "<redacted>");
            }
        }
        return result;
    }

    /**
     * The throwable itself when nothing in its chain mentions a token; otherwise a copy of the chain
     * with redacted messages and the original stack traces.
     */
    Throwable sanitize(Throwable t) {
        if (t == null || clean(t)) {
            return t;
        }
        return copy(t, 0);
    }

    private boolean clean(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = c.getMessage();
            if (m != null && !m.equals(redact(m))) {
                return false;
            }
            for (Throwable s : c.getSuppressed()) {
                if (!clean(s)) {
                    return false;
                }
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return true;
    }

    private Throwable copy(Throwable t, int depth) {
        RedactedException copy = new RedactedException(t.getClass().getName() + ": " + redact(t.getMessage()));
        copy.setStackTrace(t.getStackTrace());
        if (t.getCause() != null && t.getCause() != t && depth < 16) {
            copy.initCause(copy(t.getCause(), depth + 1));
        }
        return copy;
    }

    /** Stands in for an exception whose message held a token. */
    static final class RedactedException extends Exception {
        private static final long serialVersionUID = 1L;

        RedactedException(String message) {
            super(message);
        }
    }
}
