package io.tgcryptfs.crypto;

import java.util.Objects;

/** Result of creating a volume: the header to store (locally and on the backend) and the unlocked keys. */
public record NewVolume(VolumeHeader header, VolumeKeys keys) {
    public NewVolume {
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(keys, "keys");
    }
}
