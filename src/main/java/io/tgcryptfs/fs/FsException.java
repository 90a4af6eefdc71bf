package io.tgcryptfs.fs;

/**
 * Carries an {@link FsError} through synchronous core code. Across actor boundaries the error travels
 * as a value inside a reply instead.
 */
public final class FsException extends RuntimeException {
    private final FsError error;

    public FsException(FsError error, String message) {
        super(message, null, false, false);
        this.error = error;
    }

    public FsException(FsError error, String message, Throwable cause) {
        super(message, cause, false, true);
        this.error = error;
    }

    public FsError error() {
        return error;
    }
}
