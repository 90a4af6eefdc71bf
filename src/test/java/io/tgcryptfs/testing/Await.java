package io.tgcryptfs.testing;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waiting for a condition with a deadline, never for a guessed amount of time. */
public final class Await {
    public static final Duration DEFAULT = Duration.ofSeconds(10);

    private Await() {
    }

    /** Polls {@code condition} until it holds; fails with {@code what} when {@code timeout} passes first. */
    public static void until(Duration timeout, BooleanSupplier condition, Supplier<String> what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + timeout.toMillis() + " ms: " + what.get());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }

    public static void until(BooleanSupplier condition, String what) {
        until(DEFAULT, condition, () -> what);
    }

    /** Waits until {@code thread} is parked (WAITING or TIMED_WAITING), e.g. blocked on a monitor's wait(). */
    public static void parked(Thread thread) {
        until(() -> {
            Thread.State s = thread.getState();
            return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
        }, thread.getName() + " to wait");
    }

    public static <T> T result(CompletionStage<T> stage) {
        return result(stage, DEFAULT);
    }

    public static <T> T result(CompletionStage<T> stage, Duration timeout) {
        try {
            return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            throw new AssertionError("failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("no result within " + timeout.toMillis() + " ms");
        }
    }
}
