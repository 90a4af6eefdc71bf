package io.tgcryptfs.engine;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SealPolicyTest {
    private static final long S = 1_000_000_000L;
    private final SealPolicy policy = new SealPolicy(Duration.ofSeconds(5), Duration.ofSeconds(60));

    @Test
    void blockStillBeingWritten_waitsForMaxAge() {
        long dirtySince = 100 * S;
        assertFalse(policy.due(dirtySince + 30 * S, dirtySince, dirtySince + 29 * S));
        assertFalse(policy.due(dirtySince + 59 * S, dirtySince, dirtySince + 58 * S));
        assertTrue(policy.due(dirtySince + 60 * S, dirtySince, dirtySince + 59 * S));
    }

    @Test
    void blockNobodyWrites_isSealedOnceCold() {
        long dirtySince = 100 * S;
        assertFalse(policy.due(dirtySince + 4 * S, dirtySince, dirtySince));
        assertTrue(policy.due(dirtySince + 5 * S, dirtySince, dirtySince));
        assertTrue(policy.due(dirtySince + 20 * S, dirtySince, dirtySince + 15 * S));
    }

    @Test
    void maxAgeBelowTheColdTime_isRaisedToIt_andNegativeAgesAreRefused() {
        assertEquals(Duration.ofSeconds(5), new SealPolicy(Duration.ofSeconds(5), Duration.ZERO).maxAge());
        assertThrows(IllegalArgumentException.class, () -> new SealPolicy(Duration.ofSeconds(-1), Duration.ZERO));
    }

    @Test
    void bandsCheckAtHalfTheColdTime_andNeverInABusyLoop() {
        assertEquals(Duration.ofMillis(2500), policy.checkInterval());
        assertEquals(Duration.ofMillis(100), new SealPolicy(Duration.ZERO, Duration.ZERO).checkInterval());
    }
}
