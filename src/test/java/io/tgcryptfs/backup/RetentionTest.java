package io.tgcryptfs.backup;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RetentionTest {
    private static final long NOW = Instant.parse("2026-11-28T12:00:00Z").toEpochMilli();

    @Test
    void theNewestTwo_areAlwaysKept() {
        List<KeptPoint> points = points(NOW - days(40), NOW - days(20), NOW - days(10));
        assertEquals(List.of(2L, 3L), sequences(new Retention(Duration.ZERO, 0, 0).select(points, NOW)));
    }

    @Test
    void everyPointWithinTheWindow_theNewestPerHour_andTheNewestPerDay() {
        List<KeptPoint> points = points(
                NOW - days(3) - hours(1),       // 1: day -3, older in its day
                NOW - days(3),                  // 2: day -3's newest
                NOW - days(2),                  // 3: day -2
                NOW - hours(5) - minutes(30),   // 4: hour -6
                NOW - hours(5) - minutes(10),   // 5: newest of hour -6
                NOW - hours(2),                 // 6
                NOW - minutes(50),              // 7: within the hour
                NOW - minutes(20),              // 8
                NOW - minutes(1));              // 9
        Retention r = new Retention(Duration.ofHours(1), 3, 3);
        // within 1h: 7, 8, 9; newest of the last 3 hours that have one: 9, 6, 5; of the last 3 days: 9, 3, 2
        assertEquals(List.of(2L, 3L, 5L, 6L, 7L, 8L, 9L), sequences(r.select(points, NOW)));
    }

    @Test
    void dailyBuckets_followUtcDays_andCountOnlyDaysThatHaveAPoint() {
        List<KeptPoint> points = points(NOW - days(30), NOW - days(20), NOW - days(10), NOW - days(1), NOW);
        assertEquals(List.of(3L, 4L, 5L), sequences(new Retention(Duration.ZERO, 0, 3).select(points, NOW)));
    }

    private static List<KeptPoint> points(long... created) {
        List<KeptPoint> out = new ArrayList<>();
        for (int i = 0; i < created.length; i++) {
            out.add(new KeptPoint(i + 1, created[i], 1, new PointStats(0, 0, 0), "m" + i, "ref-m" + i));
        }
        return out;
    }

    private static List<Long> sequences(List<KeptPoint> kept) {
        return kept.stream().map(KeptPoint::sequence).toList();
    }

    private static long days(long n) {
        return Duration.ofDays(n).toMillis();
    }

    private static long hours(long n) {
        return Duration.ofHours(n).toMillis();
    }

    private static long minutes(long n) {
        return Duration.ofMinutes(n).toMillis();
    }
}
