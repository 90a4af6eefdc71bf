package io.tgcryptfs.crypto;

import io.tgcryptfs.fs.ChunkId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Objects;
import javax.crypto.AEADBadTagException;

/**
 * AES-256-GCM for chunks. Sealed layout: {@code [version:1][flags:1][nonce:12][ciphertext+tag]}.
 * AAD = {@code "tgcryptfs-chunk" || version || flags || chunkId}: binding the id means a pack index that
 * points a chunk id at another chunk's bytes fails here instead of serving the wrong block.
 *
 * <p>Flags are opaque to the cipher (the caller uses bit 0 for "compressed") but authenticated, so an
 * attacker cannot make us decompress raw data or vice versa. Nonces are random: at 2^32 chunks per key
 * (4 PiB of 1 MiB blocks) the collision risk is still below 2^-32.
 */
public final class ChunkCipher {
    public static final int VERSION = 1;
    private static final int HEADER_LENGTH = 2 + Gcm.NONCE_LENGTH;
    public static final int OVERHEAD = HEADER_LENGTH + Gcm.TAG_LENGTH;

    private static final byte[] AAD_PREFIX = "tgcryptfs-chunk".getBytes(StandardCharsets.US_ASCII);

    private final SubKey key;
    private final SecureRandom random;

    ChunkCipher(SubKey key, SecureRandom random) {
        this.key = key;
        this.random = random;
    }

    public byte[] seal(ChunkId id, int flags, byte[] plain, int offset, int length) {
        Objects.requireNonNull(id, "id");
        Objects.checkFromIndexSize(offset, length, plain.length);
        if (flags < 0 || flags > 0xFF) {
            throw new IllegalArgumentException("flags must fit in one byte, got " + flags);
        }
        key.ensureLive();
        byte[] nonce = new byte[Gcm.NONCE_LENGTH];
        random.nextBytes(nonce);
        byte[] sealed = new byte[OVERHEAD + length];
        sealed[0] = (byte) VERSION;
        sealed[1] = (byte) flags;
        System.arraycopy(nonce, 0, sealed, 2, nonce.length);
        Gcm.seal(key, sealed, 2, aad(VERSION, flags, id), plain, offset, length, sealed, HEADER_LENGTH);
        return sealed;
    }

    public OpenedChunk open(ChunkId id, byte[] sealed, int offset, int length) throws IntegrityException {
        Objects.requireNonNull(id, "id");
        Objects.checkFromIndexSize(offset, length, sealed.length);
        key.ensureLive();
        if (length < OVERHEAD) {
            throw new IntegrityException("sealed chunk " + id + " truncated: " + length + " bytes, minimum " + OVERHEAD);
        }
        int version = Byte.toUnsignedInt(sealed[offset]);
        if (version != VERSION) {
            throw new IntegrityException("sealed chunk " + id + " has unknown format version " + version);
        }
        int flags = Byte.toUnsignedInt(sealed[offset + 1]);
        try {
            byte[] plain = Gcm.open(key, sealed, offset + 2, aad(version, flags, id),
                    offset + HEADER_LENGTH, length - HEADER_LENGTH);
            return new OpenedChunk(flags, plain);
        } catch (AEADBadTagException e) {
            throw new IntegrityException("sealed chunk " + id + " failed authentication (tampered, or not this chunk)", e);
        }
    }

    private static byte[] aad(int version, int flags, ChunkId id) {
        return ByteBuffer.allocate(AAD_PREFIX.length + 2 + ChunkId.LENGTH)
                .put(AAD_PREFIX).put((byte) version).put((byte) flags).put(id.bytes()).array();
    }

    /** A chunk's plaintext (still compressed if its flags say so) and its flags. */
    public record OpenedChunk(int flags, byte[] plaintext) {}
}
