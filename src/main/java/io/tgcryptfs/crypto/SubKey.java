package io.tgcryptfs.crypto;

import java.util.Arrays;
import javax.crypto.SecretKey;

/**
 * A 256-bit key we can wipe. {@code SecretKeySpec} cannot be destroyed on Java 17, so closing a volume
 * could not zero its keys; this holder can, and refuses use afterwards instead of encrypting under zeros.
 */
final class SubKey implements SecretKey {
    static final int LENGTH = 32;

    private final String algorithm;
    private final byte[] key;
    private volatile boolean destroyed;

    SubKey(String algorithm, byte[] key) {
        if (key.length != LENGTH) {
            throw new IllegalArgumentException("key must be " + LENGTH + " bytes, got " + key.length);
        }
        this.algorithm = algorithm;
        this.key = key.clone();
    }

    /** Fails fast with a clear message rather than letting a provider report an odd key error. */
    void ensureLive() {
        if (destroyed) {
            throw new IllegalStateException("volume keys are closed");
        }
    }

    @Override
    public String getAlgorithm() {
        return algorithm;
    }

    @Override
    public String getFormat() {
        return "RAW";
    }

    @Override
    public byte[] getEncoded() {
        ensureLive();
        return key.clone();
    }

    @Override
    public void destroy() {
        destroyed = true;
        Arrays.fill(key, (byte) 0);
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    @Override
    public String toString() {
        return "SubKey[" + algorithm + (destroyed ? ", destroyed]" : "]");
    }
}
