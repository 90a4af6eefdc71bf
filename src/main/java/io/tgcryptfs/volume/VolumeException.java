package io.tgcryptfs.volume;

/** A volume cannot be created or opened; the message is one line meant for the user. */
public final class VolumeException extends Exception {
    public VolumeException(String message) {
        super(message);
    }

    public VolumeException(String message, Throwable cause) {
        super(message, cause);
    }
}
