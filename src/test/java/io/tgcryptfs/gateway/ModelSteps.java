package io.tgcryptfs.gateway;

import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;

import java.util.ArrayDeque;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The steps of one {@link ModelCheckTest} run as they are made: which step it is, each call logged (every
 * one printed with {@code -Dmodel.trace=true}, the last 60 kept for a failure), and whether a call ended
 * as the model says it must.
 */
final class ModelSteps {
    private static final boolean TRACE = Boolean.getBoolean("model.trace");

    private final long seed;
    private final ArrayDeque<String> recent = new ArrayDeque<>();
    private int step;

    ModelSteps(long seed) {
        this.seed = seed;
    }

    /** Moves on to the next step (the first is 1) and returns it. */
    int next() {
        return ++step;
    }

    int step() {
        return step;
    }

    void op(String what, Runnable action) {
        log(what);
        action.run();
    }

    /** Runs {@code action}, which must fail with {@code error}, or succeed when that is null. */
    void expect(FsError error, String what, Runnable action) {
        log(what + (error == null ? "" : " (expects " + error + ")"));
        try {
            action.run();
        } catch (FsException e) {
            if (e.error() != error) {
                fail(at(what + ": expected " + (error == null ? "success" : error) + ", got " + e.error() + ": " + e.getMessage()).get(), e);
            }
            return;
        }
        if (error != null) {
            fail(at(what + ": expected " + error + ", but it succeeded").get());
        }
    }

    void log(String what) {
        String line = "step " + step + ": " + what;
        if (TRACE) {
            System.out.println(line);
        }
        recent.addLast(line);
        if (recent.size() > 60) {
            recent.removeFirst();
        }
    }

    Supplier<String> at(String what) {
        return () -> "seed " + seed + " step " + step + ": " + what;
    }

    /** {@code t}, from anywhere in the run, with the seed, the step and the steps before it. */
    AssertionError failure(Throwable t) {
        return new AssertionError("seed " + seed + " step " + step + ": " + t + "\nlast steps:\n  " + String.join("\n  ", recent), t);
    }
}
