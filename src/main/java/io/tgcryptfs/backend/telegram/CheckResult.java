package io.tgcryptfs.backend.telegram;

/**
 * One line of {@code tgcryptfs telegram check}: what was checked, and why it failed if it did.
 *
 * @param subject e.g. "bot #0" or "bot #0 / chat -1001234567890"
 * @param step    e.g. "getMe", "post a message", "pin it"
 * @param outcome whether it worked
 * @param detail  what was seen, or the reason for a failure (Telegram's own words where it gave some)
 */
public record CheckResult(String subject, String step, Outcome outcome, String detail) {
    public enum Outcome { OK, WARNING, FAILED, SKIPPED }

    public boolean ok() {
        return outcome == Outcome.OK;
    }

    @Override
    public String toString() {
        String tag = switch (outcome) {
            case OK -> "[ OK ]";
            case WARNING -> "[WARN]";
            case FAILED -> "[FAIL]";
            case SKIPPED -> "[SKIP]";
        };
        return tag + " " + subject + ": " + step + (detail == null || detail.isEmpty() ? "" : " - " + detail);
    }
}
