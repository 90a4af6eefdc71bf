package io.tgcryptfs.backend;


import java.time.Duration;
import java.util.function.BiConsumer;
import java.util.random.RandomGenerator;

/**
 * The retry policy for one backend call (metadata objects, the root record, pack downloads): a 429
 * waits exactly the server's {@code retry_after}, a transient failure backs off with jitter, a missing
 * object or a permanent refusal is not retried. Gives up after {@code maxAttempts} and rethrows the
 * last failure. (Pack uploads never give up; their loop is in {@code UploadPipeline}.)
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

    /** @param onRetry told the cause of each retry (for metrics and logs) */
    public Retry(Backoff backoff, Sleeper sleeper, RandomGenerator random, int maxAttempts,
                 BiConsumer<String, BackendException> onRetry) {
        this.backoff = backoff;
        this.sleeper = sleeper;
        this.random = random;
        this.maxAttempts = maxAttempts;
        this.onRetry = onRetry;
    }

    public <T> T call(Call<T> call) throws BackendException, InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                return call.run();
            } catch (BackendException e) {
                boolean retryable = e.kind() == BackendException.Kind.TRANSIENT
                        || e.kind() == BackendException.Kind.RATE_LIMITED;
                if (!retryable || attempt + 1 >= maxAttempts) {
                    throw e;
                }
                onRetry.accept(cause(e), e);
                sleeper.sleep(delay(e, attempt));
            }
        }
    }

    private Duration delay(BackendException e, int attempt) {
        return e.kind() == BackendException.Kind.RATE_LIMITED ? e.retryAfter() : backoff.delay(attempt, random);
    }

    /** The retry cause as metrics and status name it. */
    public static String cause(BackendException e) {
        return e.kind().name().toLowerCase().replace('_', '-');
    }
}
