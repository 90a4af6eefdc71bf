package io.tgcryptfs.backup;

import io.tgcryptfs.meta.MetaStore;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What this machine knows about its restore points: for `status`, metrics and `sync`. */
public final class RestorePoints {
    private final MetaStore meta;
    private final Clock clock;

    public RestorePoints(MetaStore meta, Clock clock) {
        this.meta = meta;
        this.clock = clock;
    }

    /** Sequence of the newest point this machine published or restored (0: none). */
    public long lastPublished() {
        return meta.read(r -> LogBook.number(r, LogBook.ROOT_SEQUENCE));
    }

    /** Age of the newest published point's capture, if one is known with its time. */
    public Optional<Duration> newestAge() {
        RootBody.PointRef newest = meta.read(LogBook::published).latest().point();
        if (!newest.exists() || newest.createdMillis() == 0) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofMillis(Math.max(0, clock.millis() - newest.createdMillis())));
    }

    /** Seconds since the newest point was captured, or -1 when there is none (for the metric). */
    public long newestAgeSeconds() {
        return newestAge().map(Duration::toSeconds).orElse(-1L);
    }

    public List<String> statusLines() {
        List<String> pending = meta.read(r -> r.localNames(LogBook.POINTS));
        List<String> lines = new ArrayList<>();
        long last = lastPublished();
        lines.add(last == 0 ? "restore points: none published yet"
                : "newest restore point: #" + last + newestAge().map(a -> ", captured " + human(a) + " ago").orElse(""));
        if (!pending.isEmpty()) {
            PendingPoint oldest = meta.read(r -> PendingPoint.decode(r.local(pending.get(0)).orElseThrow()));
            lines.add(String.format("metadata not on the backend yet: %d restore points waiting for %d packs, oldest captured %s ago",
                    pending.size(), oldest.packs().size(), human(Duration.ofMillis(clock.millis() - oldest.createdMillis()))));
        }
        return lines;
    }

    static String human(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 120) {
            return s + " s";
        }
        if (s < 7200) {
            return s / 60 + " min";
        }
        return s / 3600 + " h";
    }
}
