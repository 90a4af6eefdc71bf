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
        List<KeptPoint> kept = meta.read(LogBook::kept);
        if (kept.isEmpty() || kept.get(kept.size() - 1).createdMillis() == 0) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofMillis(Math.max(0, clock.millis() - kept.get(kept.size() - 1).createdMillis())));
    }

    /** Seconds since the newest point was captured, or -1 when there is none (for the metric). */
    public long newestAgeSeconds() {
        return newestAge().map(Duration::toSeconds).orElse(-1L);
    }

    /** Points kept on the backend, oldest first, as this machine knows them. */
    public List<KeptPoint> kept() {
        return meta.read(LogBook::kept);
    }

    /**
     * Retired packs no kept restore point can mention any more: each was first seen RETIRED by a capture
     * at or before the oldest kept point.
     */
    public List<io.tgcryptfs.fs.PackId> retiredPacksNoPointNeeds() {
        return meta.read(r -> {
            List<KeptPoint> kept = LogBook.kept(r);
            if (kept.isEmpty()) {
                return List.<io.tgcryptfs.fs.PackId>of();
            }
            long oldest = kept.get(0).sequence();
            List<io.tgcryptfs.fs.PackId> out = new ArrayList<>();
            for (String name : r.localNames(LogBook.RETIRED)) {
                if (LogBook.number(r, name) <= oldest) {
                    out.add(io.tgcryptfs.fs.PackId.parse(name.substring(LogBook.RETIRED.length())));
                }
            }
            return out;
        });
    }

    /** Forgets the bookkeeping of packs deleted from the backend. */
    public void forgetRetired(List<io.tgcryptfs.fs.PackId> packs) {
        meta.write(w -> {
            packs.forEach(p -> w.deleteLocal(LogBook.retiredName(p)));
            return null;
        });
    }

    public List<String> statusLines() {
        // the names and the oldest point in one read: the publisher may delete a point between two reads
        record Waiting(int count, java.util.Optional<PendingPoint> oldest) {
        }
        Waiting waiting = meta.read(r -> {
            List<String> names = r.localNames(LogBook.POINTS);
            return new Waiting(names.size(), names.isEmpty() ? java.util.Optional.empty()
                    : r.local(names.get(0)).map(PendingPoint::decode));
        });
        List<String> lines = new ArrayList<>();
        long last = lastPublished();
        lines.add(last == 0 ? "restore points: none published yet"
                : "newest restore point: #" + last + newestAge().map(a -> ", captured " + human(a) + " ago").orElse(""));
        if (waiting.oldest().isPresent()) {
            PendingPoint oldest = waiting.oldest().get();
            int count = waiting.count();
            lines.add(String.format("metadata not on the backend yet: %d restore points waiting for %d packs, oldest captured %s ago",
                    count, oldest.packs().size(), human(Duration.ofMillis(clock.millis() - oldest.createdMillis()))));
        }
        return lines;
    }

    /** A duration as people read an age: seconds, minutes, hours, days. */
    public static String human(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 120) {
            return s + " s";
        }
        if (s < 7200) {
            return s / 60 + " min";
        }
        if (s < 172800) {
            return s / 3600 + " h";
        }
        return s / 86400 + " days";
    }
}
