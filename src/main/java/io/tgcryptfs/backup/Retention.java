package io.tgcryptfs.backup;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which published restore points stay on the backend: the newest two always (the root names them),
 * every point captured within {@code keepWithin}, the newest point of each of the last {@code hourly}
 * hours and of each of the last {@code daily} days (UTC) that have one.
 */
public record Retention(Duration keepWithin, int hourly, int daily) {
    /** The points to keep, oldest first, from {@code points} (oldest first). */
    public List<KeptPoint> select(List<KeptPoint> points, long nowMillis) {
        Set<Long> keep = new HashSet<>();
        int n = points.size();
        for (int i = Math.max(0, n - 2); i < n; i++) {
            keep.add(points.get(i).sequence());
        }
        Set<Long> hours = new HashSet<>();
        Set<Long> days = new HashSet<>();
        for (int i = n - 1; i >= 0; i--) { // newest first: the first point seen in a bucket is its newest
            KeptPoint p = points.get(i);
            if (nowMillis - p.createdMillis() <= keepWithin.toMillis()) {
                keep.add(p.sequence());
            }
            Instant at = Instant.ofEpochMilli(p.createdMillis());
            long hour = at.truncatedTo(ChronoUnit.HOURS).toEpochMilli();
            if (hours.size() < hourly && hours.add(hour)) {
                keep.add(p.sequence());
            }
            long day = at.atZone(ZoneOffset.UTC).toLocalDate().toEpochDay();
            if (days.size() < daily && days.add(day)) {
                keep.add(p.sequence());
            }
        }
        List<KeptPoint> out = new ArrayList<>();
        for (KeptPoint p : points) {
            if (keep.contains(p.sequence())) {
                out.add(p);
            }
        }
        return out;
    }
}
