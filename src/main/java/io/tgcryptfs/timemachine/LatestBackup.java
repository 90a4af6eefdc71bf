package io.tgcryptfs.timemachine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When Time Machine last finished a backup into a bundle, from the history it keeps next to the image
 * over SMB: {@code com.apple.TimeMachine.SnapshotHistory.plist}, an XML plist whose snapshots carry a
 * {@code com.apple.backupd.SnapshotCompletionDate}. A bundle made by {@code create} and attached by
 * hdiutil has none, and then nothing is claimed.
 */
public final class LatestBackup {
    static final String HISTORY = "com.apple.TimeMachine.SnapshotHistory.plist";
    private static final Pattern COMPLETION = Pattern.compile(
            "<key>com\\.apple\\.backupd\\.SnapshotCompletionDate</key>\\s*<date>([^<]+)</date>");

    private LatestBackup() {
    }

    /** The newest completion date, or empty when the bundle holds no (readable XML) history. */
    public static Optional<Instant> of(Path bundle) throws IOException {
        Path history = bundle.resolve(HISTORY);
        if (!Files.isRegularFile(history)) {
            return Optional.empty();
        }
        byte[] bytes = Files.readAllBytes(history);
        if (new String(bytes, 0, Math.min(8, bytes.length), StandardCharsets.US_ASCII).startsWith("bplist")) {
            return Optional.empty(); // a binary plist: Time Machine writes XML here; not worth a parser
        }
        Matcher m = COMPLETION.matcher(new String(bytes, StandardCharsets.UTF_8));
        Instant newest = null;
        while (m.find()) {
            try {
                Instant date = Instant.parse(m.group(1).strip());
                if (newest == null || date.isAfter(newest)) {
                    newest = date;
                }
            } catch (DateTimeParseException e) {
                // a date we cannot read is no evidence of a backup
            }
        }
        return Optional.ofNullable(newest);
    }
}
