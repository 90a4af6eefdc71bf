package io.tgcryptfs.backend;


import java.time.Duration;
import java.util.function.BiConsumer;
import java.util.random.RandomGenerator;

/**
 * The one retry policy of backend calls. A 429 waits exactly the server's {@code retry_after}, a transient
 * failure backs off with jitter. Bounded ({@link #Retry}: metadata objects, the root record, pack
 * downloads): a missing object or a permanent refusal is not retried, and the last failure is rethrown
 * after {@code maxAttempts}. {@link #untilDone} (pack uploads, which must never give up on data): every
 * failure is retried, a permanent refusal (bot removed from the chat) at the longest backoff, so work
 * resumes by itself once access returns.
 */
public final class Retry {
    /** A backend call that may be repeated. */
    @FunctionalInterface
    public interface Call<T> {
        T run() throws BackendException;
    }

    private final Backoff backoff;
    private final Sleeper sleeper;
    private final RandomGenerator random;
    private final int maxAttempts;
    private final BiConsumer<String, BackendException> onRetry;
    private final boolean untilDone;

    /** @param onRetry told the cause of each retry (for metrics and logs) */
    public Retry(Backoff backoff, Sleeper sleeper, RandomGenerator random, int maxAttempts,
                 BiConsumer<String, BackendException> onRetry) {
        this(backoff, sleeper, random, maxAttempts, onRetry, false);
    }

    private Retry(Backoff backoff, Sleeper sleeper, RandomGenerator random, int maxAttempts,
                  BiConsumer<String, BackendException> onRetry, boolean untilDone) {
        this.backoff = backoff;
        this.sleeper = sleeper;
        this.random = random;
        this.maxAttempts = maxAttempts;
        this.onRetry = onRetry;
        this.untilDone = untilDone;
    }

    /**
     * Retries every backend failure until the call succeeds; it ends otherwise only by an interrupt or an
     * exception the call throws that is not a {@link BackendException}.
     */
    public static Retry untilDone(Backoff backoff, Sleeper sleeper, RandomGenerator random,
                                  BiConsumer<String, BackendException> onRetry) {
        return new Retry(backoff, sleeper, random, Integer.MAX_VALUE, onRetry, true);
    }

    public <T> T call(Call<T> call) throws BackendException, InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                return call.run();
            } catch (BackendException e) {
                boolean retryable = untilDone || e.kind() == BackendException.Kind.TRANSIENT
                        || e.kind() == BackendException.Kind.RATE_LIMITED;
                if (!retryable || (!untilDone && attempt + 1 >= maxAttempts)) {
                    throw e;
                }
                onRetry.accept(cause(e), e);
                sleeper.sleep(delay(e, attempt));
            }
        }
    }

    private Duration delay(BackendException e, int attempt) {
        return switch (e.kind()) {
            case RATE_LIMITED -> e.retryAfter();
            case PERMANENT -> backoff.max();
            case TRANSIENT, NOT_FOUND -> backoff.delay(attempt, random);
        };
    }

    /** The retry cause as metrics and status name it. */
    public static String cause(BackendException e) {
        return e.kind().name().toLowerCase().replace('_', '-');
    }
}
