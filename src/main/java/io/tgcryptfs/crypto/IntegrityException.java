package io.tgcryptfs.crypto;

/** Thrown when a ciphertext fails authentication or is malformed: tampering, truncation, wrong id. */
public final class IntegrityException extends Exception {
    public IntegrityException(String message) {
        super(message);
    }

    public IntegrityException(String message, Throwable cause) {
        super(message, cause);
    }
}
