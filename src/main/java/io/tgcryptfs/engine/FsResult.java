package io.tgcryptfs.engine;

import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;

/** What an actor replies: a value or an error meaning. Exceptions never cross actor boundaries. */
public sealed interface FsResult<T> {
    record Ok<T>(T value) implements FsResult<T> {
    }

    record Failed<T>(FsError error, String message) implements FsResult<T> {
    }

    static <T> FsResult<T> ok(T value) {
        return new Ok<>(value);
    }

    static <T> FsResult<T> failed(FsError error, String message) {
        return new Failed<>(error, message);
    }

    /** Runs {@code body}, turning an FsException (or any failure, as IO) into a Failed result. */
    static <T> FsResult<T> of(java.util.function.Supplier<T> body) {
        try {
            return ok(body.get());
        } catch (FsException e) {
            return failed(e.error(), e.getMessage());
        } catch (RuntimeException e) {
            return failed(FsError.IO, e.toString());
        }
    }

    static <T> FsResult<T> from(Throwable failure) {
        Throwable t = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (t instanceof FsException e) {
            return failed(e.error(), e.getMessage());
        }
        return failed(FsError.IO, t.toString());
    }

    /** The value, or an FsException carrying the error (used by the gateway, the one place that blocks). */
    default T orThrow() {
        if (this instanceof Ok<T> ok) {
            return ok.value();
        }
        Failed<T> f = (Failed<T>) this;
        throw new FsException(f.error(), f.message());
    }
}
