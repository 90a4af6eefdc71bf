package io.tgcryptfs.backend.telegram;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PacingTest {
    private static final Instant T = Instant.parse("2025-01-01T00:00:00Z");

    @Test
    void rateWindow_withOnePermit_spacesSendsEvenly() {
        RateWindow w = RateWindow.perSecond(4);
        assertEquals(T, w.nextAllowed(T));
        w.reserve(T);
        assertEquals(T.plusMillis(250), w.nextAllowed(T));
        w.reserve(T.plusMillis(250));
        assertEquals(T.plusMillis(500), w.nextAllowed(T.plusMillis(100)));
        assertEquals(T.plusSeconds(2), w.nextAllowed(T.plusSeconds(2)), "idle time is not banked");
    }

    @Test
    void rateWindow_perMinute_allowsABurstThenWaitsForTheOldestToLeave() {
        RateWindow w = RateWindow.perMinute(3, 1);
        w.reserve(T);
        w.reserve(T.plusSeconds(1));
        assertEquals(T.plusSeconds(2), w.nextAllowed(T.plusSeconds(2)));
        w.reserve(T.plusSeconds(2));
        assertEquals(T.plusSeconds(60), w.nextAllowed(T.plusSeconds(3)));
        w.reserve(T.plusSeconds(60));
        assertEquals(T.plusSeconds(61), w.nextAllowed(T.plusSeconds(60)));
    }

    @Test
    void rateWindow_forgetsReservationsFromAClockThatJumpedBack() {
        RateWindow w = RateWindow.perMinute(1, 1);
        w.reserve(T.plus(Duration.ofDays(1)));
        assertEquals(T, w.nextAllowed(T));
    }

    @Test
    void adaptiveSpacing_doublesAfterA429_upToItsCap() {
        AdaptiveSpacing s = AdaptiveSpacing.perSecond(1);
        s.reserve(T);
        assertEquals(T.plusSeconds(1), s.nextAllowed(T));
        s.widen();
        assertEquals(Duration.ofSeconds(2), s.current());
        assertEquals(T.plusSeconds(2), s.nextAllowed(T), "the wider spacing applies to the next send");
        for (int i = 0; i < 10; i++) {
            s.widen();
        }
        assertEquals(Duration.ofSeconds(AdaptiveSpacing.MAX_FACTOR), s.current());
    }

    @Test
    void adaptiveSpacing_narrowsByATenthPerSuccess_neverBelowTheConfiguredSpacing() {
        AdaptiveSpacing s = AdaptiveSpacing.perSecond(2); // 500 ms
        s.relax();
        assertEquals(Duration.ofMillis(500), s.current(), "not below the configured rate");
        s.widen();
        s.widen(); // 2 s
        s.relax();
        assertEquals(Duration.ofMillis(1_800), s.current());
        s.relax();
        assertEquals(Duration.ofMillis(1_620), s.current());
        int successes = 2;
        while (s.current().compareTo(Duration.ofMillis(500)) > 0) {
            s.relax();
            successes++;
        }
        assertEquals(14, successes, "two doublings take 14 successes to undo");
        assertEquals(Duration.ofMillis(500), s.current());
    }

    /** A send that started late pushes the next one back: the server spaces arrivals, not plans. */
    @Test
    void adaptiveSpacing_spacesStarts_afterASendThatStartedLate() {
        AdaptiveSpacing spacing = AdaptiveSpacing.perSecond(1);
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        assertEquals(t0, spacing.earliestStart(t0), "nothing started yet");
        spacing.reserve(t0);
        spacing.reserve(spacing.nextAllowed(t0)); // the next send is planned for t0 + 1 s
        spacing.started(t0.plusMillis(300));      // but the first one started 300 ms late
        assertEquals(t0.plusMillis(1300), spacing.earliestStart(t0.plusSeconds(1)));
        spacing.started(t0.plusMillis(200));      // an earlier start never moves it back
        assertEquals(t0.plusMillis(1300), spacing.earliestStart(t0.plusSeconds(1)));
        spacing.widen();
        assertEquals(t0.plusMillis(2300), spacing.earliestStart(t0.plusSeconds(1)), "the spacing in force");
        assertEquals(t0.minusSeconds(3600), spacing.earliestStart(t0.minusSeconds(3600)),
                "a start far in the future of a clock that went back is forgotten");
    }

    @Test
    void adaptiveSpacing_forgetsAReservationFromAClockThatJumpedBack() {
        AdaptiveSpacing s = AdaptiveSpacing.perSecond(1);
        s.reserve(T.plus(Duration.ofDays(1)));
        assertEquals(T, s.nextAllowed(T));
    }

    @Test
    void slotSchedule_fillsGapsLeftByReservationsFarAhead() {
        SlotSchedule s = SlotSchedule.perSecond(10); // 100 ms apart
        s.reserve(T.plusSeconds(5)); // a paused chat's send, far ahead
        assertEquals(T, s.earliest(T, T), "the gap before it is free");
        s.reserve(T);
        assertEquals(T.plusMillis(100), s.earliest(T, T));
        assertEquals(T.plusMillis(5_100), s.earliest(T.plusMillis(4_950), T), "not too close to the later one");
    }

    @Test
    void slotSchedule_skipsOverBackToBackReservations() {
        SlotSchedule s = SlotSchedule.perSecond(10);
        s.reserve(T);
        s.reserve(T.plusMillis(100));
        s.reserve(T.plusMillis(200));
        assertEquals(T.plusMillis(300), s.earliest(T.plusMillis(50), T));
    }
}
