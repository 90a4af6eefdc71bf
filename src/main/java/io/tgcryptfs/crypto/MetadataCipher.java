package io.tgcryptfs.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Objects;
import javax.crypto.AEADBadTagException;

/**
 * AES-256-GCM for metadata objects (pack indexes, metadata snapshots, root records).
 * Sealed layout: {@code [version:1][nonce:12][ciphertext+tag]}; AAD = {@code "tgcryptfs-meta" || version ||
 * label}. The label says what the object is (e.g. {@code "pack-index:" + packId.hex()}), so the backend
 * cannot pass one object off as another. The label is last in the AAD, so its length needs no prefix.
 */
public final class MetadataCipher {
    public static final int VERSION = 1;
    /** Bytes before the ciphertext: version and nonce. */
    public static final int HEADER_LENGTH = 1 + Gcm.NONCE_LENGTH;
    public static final int OVERHEAD = HEADER_LENGTH + Gcm.TAG_LENGTH;

    private static final byte[] AAD_PREFIX = "tgcryptfs-meta".getBytes(StandardCharsets.US_ASCII);

    private final SubKey key;
    private final SecureRandom random;

    MetadataCipher(SubKey key, SecureRandom random) {
        this.key = key;
        this.random = random;
    }

    public byte[] seal(String label, byte[] plain) {
        byte[] sealed = new byte[OVERHEAD + plain.length];
        System.arraycopy(plain, 0, sealed, HEADER_LENGTH, plain.length);
        sealInPlace(label, sealed, 0, plain.length);
        return sealed;
    }

    /**
     * Seals in place, for a caller that lays many objects out in one buffer (the write journal): the
     * plaintext is at {@code buffer[at + HEADER_LENGTH, + plainLength)}; the sealed object, the same
     * layout as {@link #seal}, ends up at {@code buffer[at, at + OVERHEAD + plainLength)}.
     */
    public void sealInPlace(String label, byte[] buffer, int at, int plainLength) {
        byte[] aad = aad(VERSION, label);
        key.ensureLive();
        byte[] nonce = new byte[Gcm.NONCE_LENGTH];
        random.nextBytes(nonce);
        buffer[at] = (byte) VERSION;
        System.arraycopy(nonce, 0, buffer, at + 1, nonce.length);
        Gcm.seal(key, buffer, at + 1, aad, buffer, at + HEADER_LENGTH, plainLength, buffer, at + HEADER_LENGTH);
    }

    public byte[] open(String label, byte[] sealed) throws IntegrityException {
        Objects.requireNonNull(sealed, "sealed");
        byte[] aad = aad(VERSION, label);
        key.ensureLive();
        if (sealed.length < OVERHEAD) {
            throw new IntegrityException("metadata object '" + label + "' truncated: " + sealed.length
                    + " bytes, minimum " + OVERHEAD);
        }
        int version = Byte.toUnsignedInt(sealed[0]);
        if (version != VERSION) {
            throw new IntegrityException("metadata object '" + label + "' has unknown format version " + version);
        }
        try {
            return Gcm.open(key, sealed, 1, aad, HEADER_LENGTH, sealed.length - HEADER_LENGTH);
        } catch (AEADBadTagException e) {
            throw new IntegrityException("metadata object '" + label
                    + "' failed authentication (tampered, or a different object)", e);
        }
    }

    private static byte[] aad(int version, String label) {
        Objects.requireNonNull(label, "label");
        if (label.isEmpty()) {
            throw new IllegalArgumentException("label must say what the object is; got an empty label");
        }
        byte[] labelBytes = label.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(AAD_PREFIX.length + 1 + labelBytes.length)
                .put(AAD_PREFIX).put((byte) version).put(labelBytes).array();
    }
}
