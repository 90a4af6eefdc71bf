package io.tgcryptfs.fs;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.random.RandomGenerator;

/** A random 128-bit pack name: it says nothing about what the pack holds. */
public final class PackId {
    public static final int LENGTH = 16;

    private final byte[] bytes;

    private PackId(byte[] bytes) {
        this.bytes = bytes;
    }

    public static PackId of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("pack id must be " + LENGTH + " bytes, got " + bytes.length);
        }
        return new PackId(bytes.clone());
    }

    public static PackId random(RandomGenerator random) {
        byte[] b = new byte[LENGTH];
        random.nextBytes(b);
        return new PackId(b);
    }

    public static PackId parse(String hex) {
        return of(HexFormat.of().parseHex(hex));
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PackId other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
