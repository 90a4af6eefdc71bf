package io.tgcryptfs.timemachine;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether the newest restore point on the backend covers a bundle's last write, from the mount's
 * status line "newest restore point: #N, captured AGE ago". A write is covered once a point was captured
 * after it: a capture seals everything written before it (see {@code backup.WriteBarrier}). The age
 * is rounded to its unit (s, min, h, days), so the answer is "yes", "no", or "not sure" inside that unit.
 */
public final class Coverage {
    private static final Pattern NEWEST = Pattern.compile("newest restore point: #(\\d+), captured (\\d+) (s|min|h|days) ago");

    private Coverage() {
    }

    public static String verdict(Instant lastWrite, List<String> statusLines, Instant now) {
        Optional<Matcher> newest = statusLines.stream().map(NEWEST::matcher).filter(Matcher::find).findFirst();
        if (newest.isEmpty()) {
            return "no restore point on the backend yet: run `tgcryptfs sync`";
        }
        Matcher m = newest.get();
        String point = "#" + m.group(1);
        Duration unit = switch (m.group(3)) {
            case "s" -> Duration.ofSeconds(1);
            case "min" -> Duration.ofMinutes(1);
            case "h" -> Duration.ofHours(1);
            default -> Duration.ofDays(1);
        };
        long age = Long.parseLong(m.group(2));
        Instant latestCapture = now.minus(unit.multipliedBy(age));
        Instant earliestCapture = now.minus(unit.multipliedBy(age + 1));
        if (!earliestCapture.isBefore(lastWrite)) {
            return "yes: restore point " + point + " was captured after the last band write";
        }
        if (latestCapture.isBefore(lastWrite)) {
            return "no: the last band write is newer than restore point " + point
                    + " (the next point comes within a minute while mounted; `tgcryptfs sync` waits for it)";
        }
        return "not sure (restore point " + point + " was captured about when the last band was written):"
                + " `tgcryptfs sync` makes sure";
    }
}
