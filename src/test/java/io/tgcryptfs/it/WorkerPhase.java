package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One phase of a concurrent random run ({@link ConcurrentOracleIT}, {@link ConcurrentNamespaceIT}): the
 * workers under way, how to stop them, and what failed in them.
 */
record WorkerPhase(List<Future<?>> running, Runnable stop, Supplier<List<String>> failures) {

    /**
     * Runs each of {@code commands} (`sync`, `gc`) while the workers run, unless one has failed; a command
     * that fails stops them. Then waits for every worker and fails with what failed, after {@code where}.
     */
    void finish(List<String> commands, Function<String, ToolResult> command, Consumer<String> events,
                Supplier<String> where, Supplier<String> log) throws InterruptedException {
        for (String name : commands) {
            if (!failures.get().isEmpty()) {
                break;
            }
            events.accept("tgcryptfs " + name + " while the workers run");
            ToolResult r = command.apply(name);
            if (r.exitCode() != 0) {
                stop.run();
                awaitAll(running);
                fail(where.get() + "`tgcryptfs " + name + "` failed while the workers ran\n" + r.describe() + "\n" + log.get());
            }
        }
        awaitAll(running);
        if (!failures.get().isEmpty()) {
            fail(where.get() + String.join("\n\n", failures.get()) + "\n" + log.get());
        }
    }

    /** Waits for every worker; one that threw fails the test with its exception. */
    static void awaitAll(List<Future<?>> running) throws InterruptedException {
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (ExecutionException e) {
                throw new AssertionError("a worker died", e.getCause());
            }
        }
    }
}
