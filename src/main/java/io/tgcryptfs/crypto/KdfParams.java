package io.tgcryptfs.crypto;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Argon2id cost parameters; salt is 16 random bytes.
 *
 * <p>The upper bounds are there because a header read from the backend is untrusted input: a tampered
 * header must not be able to make unlock allocate terabytes or spin for hours before the wrapped key
 * fails to authenticate.
 */
public record KdfParams(int memoryKiB, int iterations, int parallelism, byte[] salt) {
    public static final int SALT_LENGTH = 16;
    public static final int MAX_MEMORY_KIB = 4 * 1024 * 1024;
    public static final int MAX_ITERATIONS = 64;
    public static final int MAX_PARALLELISM = 64;

    public KdfParams {
        Objects.requireNonNull(salt, "salt");
        if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
            throw new IllegalArgumentException("parallelism must be in [1, " + MAX_PARALLELISM + "], got " + parallelism);
        }
        // Argon2 needs at least 8 KiB per lane.
        if (memoryKiB < 8 * parallelism || memoryKiB > MAX_MEMORY_KIB) {
            throw new IllegalArgumentException("memoryKiB must be in [" + 8 * parallelism + ", " + MAX_MEMORY_KIB
                    + "] for " + parallelism + " lane(s), got " + memoryKiB);
        }
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("iterations must be in [1, " + MAX_ITERATIONS + "], got " + iterations);
        }
        if (salt.length != SALT_LENGTH) {
            throw new IllegalArgumentException("salt must be " + SALT_LENGTH + " bytes, got " + salt.length);
        }
        salt = salt.clone();
    }

    /** Given costs with a fresh random salt. */
    public static KdfParams generate(int memoryKiB, int iterations, int parallelism, SecureRandom random) {
        byte[] salt = new byte[SALT_LENGTH];
        random.nextBytes(salt);
        return new KdfParams(memoryKiB, iterations, parallelism, salt);
    }

    /** RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes): strong yet fine on small servers. */
    public static KdfParams recommended(SecureRandom random) {
        return generate(64 * 1024, 3, 4, random);
    }

    /** Same costs, fresh salt: what a password change needs. */
    public KdfParams withNewSalt(SecureRandom random) {
        return generate(memoryKiB, iterations, parallelism, random);
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KdfParams other
                && memoryKiB == other.memoryKiB
                && iterations == other.iterations
                && parallelism == other.parallelism
                && Arrays.equals(salt, other.salt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(memoryKiB, iterations, parallelism, Arrays.hashCode(salt));
    }

    @Override
    public String toString() {
        return "KdfParams[argon2id, memoryKiB=" + memoryKiB + ", iterations=" + iterations
                + ", parallelism=" + parallelism + ", salt=" + HexFormat.of().formatHex(salt) + "]";
    }
}
