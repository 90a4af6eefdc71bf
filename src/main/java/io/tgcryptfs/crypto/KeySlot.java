package io.tgcryptfs.crypto;

import java.util.Objects;

/**
 * Which key and nonce a chunk is sealed under: the id of the pack whose key it uses (HKDF of the volume's
 * chunk key and this id) and a counter unique within that pack. Handed out by the outbox, which owns the
 * open pack and never reopens one, so a (key, counter) pair is used once and no nonce budget exists.
 */
public record KeySlot(byte[] keyId, long counter) {
    public static final int KEY_ID_LENGTH = 16;

    public KeySlot {
        Objects.requireNonNull(keyId, "keyId");
        if (keyId.length != KEY_ID_LENGTH) {
            throw new IllegalArgumentException("key id must be " + KEY_ID_LENGTH + " bytes, got " + keyId.length);
        }
        if (counter < 0) {
            throw new IllegalArgumentException("counter must not be negative");
        }
        keyId = keyId.clone();
    }

    @Override
    public byte[] keyId() {
        return keyId.clone();
    }
}
