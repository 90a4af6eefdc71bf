package io.tgcryptfs.backend;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackoffTest {
    @Test
    void delay_doublesPerAttempt_upToTheMax() {
        Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 0.0);
        Random r = new Random(1);
        assertEquals(Duration.ofSeconds(1), b.delay(0, r));
        assertEquals(Duration.ofSeconds(2), b.delay(1, r));
        assertEquals(Duration.ofSeconds(32), b.delay(5, r));
        assertEquals(Duration.ofSeconds(60), b.delay(6, r));
        assertEquals(Duration.ofSeconds(60), b.delay(10_000, r));
    }

    @Test
    void delay_jitter_staysWithinTheRandomFactor() {
        Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 0.2);
        Random r = new Random(2);
        for (int i = 0; i < 1000; i++) {
            long ms = b.delay(3, r).toMillis();
            assertTrue(ms >= 8000 && ms <= 9600, "delay " + ms);
        }
    }
}
