package io.tgcryptfs.crypto;

import io.tgcryptfs.fs.ChunkId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import javax.crypto.AEADBadTagException;

/**
 * AES-256-GCM for chunks.
 *
 * <p><b>Frames (format 2, written today).</b> A chunk is sealed as frames, each under the key of a pack
 * (HKDF-SHA256 of the volume's chunk key, salt = the {@link KeySlot}'s key id) with the nonce
 * {@code counter:8 || frame:4}. The caller (the chunk format) supplies the AAD. Keys and counters come
 * from the outbox, so nonces never repeat and no random-nonce collision budget applies.
 *
 * <p><b>Format 1 (read only).</b> {@code [version:1][flags:1][nonce:12][ciphertext+tag]} under the chunk
 * key with a random nonce, AAD = {@code "tgcryptfs-chunk" || version || flags || chunkId}. Volumes written
 * before frames keep such chunks until they are rewritten.
 */
public final class ChunkCipher {
    public static final int VERSION = 1;
    private static final String PACK_KEY_INFO = "tgcryptfs chunk pack-key v2";
    /** Derived pack keys kept: reads touch few packs at a time, and a derivation costs two HMACs. */
    private static final int PACK_KEYS_CACHED = 256;
    private static final int HEADER_LENGTH = 2 + Gcm.NONCE_LENGTH;
    public static final int OVERHEAD = HEADER_LENGTH + Gcm.TAG_LENGTH;

    private static final byte[] AAD_PREFIX = "tgcryptfs-chunk".getBytes(StandardCharsets.US_ASCII);

    private final SubKey key;
    private final SecureRandom random;
    /** By key id (a ByteBuffer compares content; a hex name cost a string per frame). */
    private final Map<ByteBuffer, SubKey> packKeys = new LinkedHashMap<>(PACK_KEYS_CACHED, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ByteBuffer, SubKey> eldest) {
            if (size() > PACK_KEYS_CACHED) {
                eldest.getValue().destroy();
                return true;
            }
            return false;
        }
    };

    ChunkCipher(SubKey key, SecureRandom random) {
        this.key = key;
        this.random = random;
    }

    /** Encrypts one frame into {@code out} at {@code outOff}: {@code len} bytes of ciphertext, then the tag. */
    public void sealFrame(KeySlot slot, int frame, byte[] aad, byte[] in, int inOff, int len, byte[] out, int outOff) {
        Objects.checkFromIndexSize(inOff, len, in.length);
        Objects.checkFromIndexSize(outOff, len + Gcm.TAG_LENGTH, out.length);
        Gcm.seal(packKey(slot.keyId()), frameNonce(slot.counter(), frame), 0, aad, in, inOff, len, out, outOff);
    }

    /** Authenticates and decrypts one frame ({@code len} = ciphertext + tag). */
    public byte[] openFrame(KeySlot slot, int frame, byte[] aad, byte[] src, int off, int len) throws IntegrityException {
        Objects.checkFromIndexSize(off, len, src.length); // bounds the allocation by bytes actually read
        byte[] plain = new byte[Math.max(0, len - Gcm.TAG_LENGTH)];
        openFrameInto(slot, frame, aad, src, off, len, plain, 0);
        return plain;
    }

    /**
     * Authenticates one frame ({@code len} = ciphertext + tag) and decrypts it straight into {@code out}
     * at {@code outOff}: {@code len - tagLength()} bytes, which the caller has room for.
     */
    public void openFrameInto(KeySlot slot, int frame, byte[] aad, byte[] src, int off, int len, byte[] out, int outOff)
            throws IntegrityException {
        Objects.checkFromIndexSize(off, len, src.length);
        if (len < Gcm.TAG_LENGTH) {
            throw new IntegrityException("frame " + frame + " truncated: " + len + " bytes");
        }
        Objects.checkFromIndexSize(outOff, len - Gcm.TAG_LENGTH, out.length);
        try {
            Gcm.openInto(packKey(slot.keyId()), frameNonce(slot.counter(), frame), aad, src, off, len, out, outOff);
        } catch (AEADBadTagException e) {
            throw new IntegrityException("frame " + frame + " failed authentication (tampered, or not this chunk)", e);
        }
    }

    public static int tagLength() {
        return Gcm.TAG_LENGTH;
    }

    /** Forgets derived pack keys (the volume is closing). */
    void destroyPackKeys() {
        synchronized (packKeys) {
            packKeys.values().forEach(SubKey::destroy);
            packKeys.clear();
        }
    }

    /**
     * Derived under the lock (an HKDF takes microseconds): a derive-then-recheck race would add a branch
     * the JIT warm-up never takes, and taking it on a real read throws the compiled decrypt path away.
     */
    private SubKey packKey(byte[] keyId) {
        key.ensureLive();
        ByteBuffer id = ByteBuffer.wrap(keyId);
        synchronized (packKeys) {
            SubKey cached = packKeys.get(id);
            if (cached == null) {
                cached = derivePackKey(keyId);
                packKeys.put(ByteBuffer.wrap(keyId.clone()), cached);
            }
            return cached;
        }
    }

    private SubKey derivePackKey(byte[] keyId) {
        byte[] master = key.getEncoded();
        byte[] raw = Kdf.hkdfSha256(master, keyId, PACK_KEY_INFO);
        try {
            return new SubKey("AES", raw);
        } finally {
            Arrays.fill(master, (byte) 0);
            Arrays.fill(raw, (byte) 0);
        }
    }

    private static byte[] frameNonce(long counter, int frame) {
        return ByteBuffer.allocate(Gcm.NONCE_LENGTH).putLong(counter).putInt(frame).array();
    }

    /** Format 1 sealing, kept so tests can build chunks written before frames existed. */
    byte[] sealVersion1(ChunkId id, int flags, byte[] plain, int offset, int length) {
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

    /** Opens a format 1 chunk. */
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
