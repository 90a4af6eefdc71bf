package io.tgcryptfs.backend.telegram;

/**
 * What the Bot API answered when it said no: the cause of a {@link io.tgcryptfs.backend.BackendException}
 * built from an {@code "ok": false} reply, so callers can tell a refusing chat from a refused object.
 * The description is Telegram's own text, with any token removed.
 */
public final class BotApiError extends Exception {
    private static final long serialVersionUID = 1L;

    private final String method;
    private final int errorCode;
    private final String description;

    BotApiError(String method, int errorCode, String description) {
        super(method + ": " + errorCode + " " + description);
        this.method = method;
        this.errorCode = errorCode;
        this.description = description;
    }

    public String method() {
        return method;
    }

    /** Telegram's {@code error_code} (or the HTTP status when the reply had none). */
    public int errorCode() {
        return errorCode;
    }

    /** Telegram's {@code description}, e.g. "Forbidden: bot is not a member of the channel chat". */
    public String description() {
        return description;
    }

    /**
     * True when the refusal is about the chat or the bot (removed, no rights, chat gone, token revoked),
     * not about the one object: another chat may still take it.
     */
    public boolean refusesChat() {
        if (errorCode == 401 || errorCode == 403) {
            return true;
        }
        if (errorCode != 400) {
            return false;
        }
        String d = description.toLowerCase(java.util.Locale.ROOT);
        return d.contains("chat") || d.contains("rights") || d.contains("forbidden") || d.contains("member")
                || d.contains("kicked") || d.contains("peer_id_invalid");
    }
}
