package io.tgcryptfs.backend;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RetryTest {
    private static final Backoff BACKOFF = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(60), 0);
    private final List<Duration> sleeps = new ArrayList<>();
    private final List<String> causes = new ArrayList<>();

    /** A call that fails with each given exception in turn, then answers "done". */
    private static Retry.Call<String> failing(BackendException... failures) {
        Deque<BackendException> left = new ArrayDeque<>(List.of(failures));
        return () -> {
            if (!left.isEmpty()) {
                throw left.poll();
            }
            return "done";
        };
    }

    private Retry bounded(int attempts) {
        return new Retry(BACKOFF, sleeps::add, new Random(1), attempts, (cause, e) -> causes.add(cause));
    }

    private Retry untilDone() {
        return Retry.untilDone(BACKOFF, sleeps::add, new Random(1), (cause, e) -> causes.add(cause));
    }

    @Test
    void rateLimit_waitsExactlyRetryAfter_transientBacksOffExponentially() throws Exception {
        assertEquals("done", bounded(5).call(failing(BackendException.rateLimited("429", Duration.ofSeconds(7)),
                BackendException.transientFailure("502", null), BackendException.transientFailure("502", null))));
        assertEquals(List.of(Duration.ofSeconds(7), Duration.ofMillis(200), Duration.ofMillis(400)), sleeps);
        assertEquals(List.of("rate-limited", "transient", "transient"), causes);
    }

    @Test
    void bounded_givesUpAfterItsAttempts_andNeverRetriesPermanentOrMissing() {
        BackendException last = BackendException.transientFailure("third", null);
        assertSame(last, assertThrows(BackendException.class, () -> bounded(3).call(failing(
                BackendException.transientFailure("first", null), BackendException.transientFailure("second", null), last))));
        assertEquals(2, sleeps.size());
        sleeps.clear();
        assertThrows(BackendException.class, () -> bounded(3).call(failing(BackendException.permanent("403"))));
        assertThrows(BackendException.class, () -> bounded(3).call(failing(BackendException.notFound("gone"))));
        assertEquals(List.of(), sleeps);
    }

    @Test
    void untilDone_retriesEveryKind_permanentAtTheLongestBackoff() throws Exception {
        BackendException[] many = new BackendException[12];
        for (int i = 0; i < many.length; i++) {
            many[i] = BackendException.transientFailure("502", null);
        }
        many[3] = BackendException.permanent("bot removed from the chat");
        many[4] = BackendException.notFound("chat gone for a moment");
        assertEquals("done", untilDone().call(failing(many)));
        assertEquals(12, sleeps.size());
        assertEquals(Duration.ofSeconds(60), sleeps.get(3));
        assertEquals("permanent", causes.get(3));
        assertEquals("not-found", causes.get(4));
    }

    @Test
    void untilDone_stopsAtAnInterrupt_orAnyFailureThatIsNotTheBackends() {
        Retry interrupted = Retry.untilDone(BACKOFF, d -> {
            throw new InterruptedException();
        }, new Random(1), (cause, e) -> { });
        assertThrows(InterruptedException.class, () -> interrupted.call(failing(BackendException.permanent("403"))));
        assertThrows(IllegalStateException.class, () -> untilDone().call(() -> {
            throw new IllegalStateException("closed");
        }));
    }
}
