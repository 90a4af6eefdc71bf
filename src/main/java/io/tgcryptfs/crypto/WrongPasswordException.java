package io.tgcryptfs.crypto;

/** Thrown when a password does not unlock the header (AEAD failure of the wrapped key). */
public final class WrongPasswordException extends Exception {
    public WrongPasswordException(String message) {
        super(message);
    }

    public WrongPasswordException(String message, Throwable cause) {
        super(message, cause);
    }
}
