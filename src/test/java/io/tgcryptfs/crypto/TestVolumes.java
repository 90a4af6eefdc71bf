package io.tgcryptfs.crypto;

import java.security.SecureRandom;

/** Volumes with tiny Argon2 costs so the suite stays fast. */
final class TestVolumes {
    static final SecureRandom RANDOM = new SecureRandom();
    static final int BLOCK_SIZE = 64 * 1024;

    private TestVolumes() {}

    static KdfParams smallKdf() {
        return KdfParams.generate(8192, 1, 1, RANDOM);
    }

    static NewVolume create(String password) {
        return VolumeKeys.create(password.toCharArray(), BLOCK_SIZE, smallKdf(), RANDOM);
    }

    static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    static byte[] flipBit(byte[] original, int bit) {
        byte[] copy = original.clone();
        copy[bit / 8] ^= (byte) (1 << (bit % 8));
        return copy;
    }
}
