package io.tgcryptfs.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * The volume header: stored in plain text locally and on the backend (it holds no secret in clear).
 *
 * <p>Encoding (big-endian, {@value #ENCODED_LENGTH} bytes): magic {@code "TGCFSHDR"}, format version (u16),
 * volume id (16), block size (i32), Argon2id memory KiB, iterations, parallelism (i32 each), salt (16),
 * wrapped master key (nonce 12 || ciphertext 32 || tag 16), CRC32C of everything before it (i32).
 *
 * <p>The CRC is not a security measure (an adversary recomputes it; the wrapped key's AEAD is what catches
 * tampering). It exists so that a damaged header reads as "corrupted" rather than "wrong password".
 */
public final class VolumeHeader {
    public static final int FORMAT_VERSION = 1;
    public static final int VOLUME_ID_LENGTH = 16;
    public static final int MIN_BLOCK_SIZE = 512;
    /** Keeps a sealed chunk well below the backend's 20 MB download cap. */
    public static final int MAX_BLOCK_SIZE = 16 * 1024 * 1024;

    private static final byte[] MAGIC = "TGCFSHDR".getBytes(StandardCharsets.US_ASCII);
    static final int ENCODED_LENGTH = MAGIC.length + Short.BYTES + VOLUME_ID_LENGTH + Integer.BYTES
            + 3 * Integer.BYTES + KdfParams.SALT_LENGTH + KeyWrap.WRAPPED_LENGTH + Integer.BYTES;

    private final int formatVersion;
    private final byte[] volumeId;
    private final int blockSize;
    private final KdfParams kdf;
    private final byte[] wrappedMasterKey;

    VolumeHeader(byte[] volumeId, int blockSize, KdfParams kdf, byte[] wrappedMasterKey) {
        if (volumeId.length != VOLUME_ID_LENGTH) {
            throw new IllegalArgumentException("volume id must be " + VOLUME_ID_LENGTH + " bytes, got " + volumeId.length);
        }
        checkBlockSize(blockSize);
        if (wrappedMasterKey.length != KeyWrap.WRAPPED_LENGTH) {
            throw new IllegalArgumentException("wrapped key must be " + KeyWrap.WRAPPED_LENGTH + " bytes, got "
                    + wrappedMasterKey.length);
        }
        this.formatVersion = FORMAT_VERSION;
        this.volumeId = volumeId.clone();
        this.blockSize = blockSize;
        this.kdf = Objects.requireNonNull(kdf, "kdf");
        this.wrappedMasterKey = wrappedMasterKey.clone();
    }

    static void checkBlockSize(int blockSize) {
        if (blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE) {
            throw new IllegalArgumentException("block size must be in [" + MIN_BLOCK_SIZE + ", " + MAX_BLOCK_SIZE
                    + "], got " + blockSize);
        }
    }

    public int formatVersion() {
        return formatVersion;
    }

    public byte[] volumeId() {
        return volumeId.clone();
    }

    public int blockSize() {
        return blockSize;
    }

    public KdfParams kdf() {
        return kdf;
    }

    byte[] wrappedMasterKey() {
        return wrappedMasterKey.clone();
    }

    boolean belongsTo(byte[] otherVolumeId) {
        return Arrays.equals(volumeId, otherVolumeId);
    }

    public byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(ENCODED_LENGTH)
                .put(MAGIC)
                .putShort((short) formatVersion)
                .put(volumeId)
                .putInt(blockSize)
                .putInt(kdf.memoryKiB())
                .putInt(kdf.iterations())
                .putInt(kdf.parallelism())
                .put(kdf.salt())
                .put(wrappedMasterKey);
        out.putInt(crc(out.array(), out.position()));
        return out.array();
    }

    /** Malformed input, an unknown version or a checksum mismatch is an {@link IntegrityException}. */
    public static VolumeHeader decode(byte[] bytes) throws IntegrityException {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length < MAGIC.length || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new IntegrityException("not a tgcryptfs volume header (bad magic)");
        }
        // Version before length: a future format may be longer and deserves the clearer message.
        if (bytes.length < MAGIC.length + Short.BYTES) {
            throw new IntegrityException("volume header truncated: " + bytes.length + " bytes");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).position(MAGIC.length);
        int version = Short.toUnsignedInt(in.getShort());
        if (version != FORMAT_VERSION) {
            throw new IntegrityException("unsupported volume header format version " + version
                    + "; this build reads version " + FORMAT_VERSION);
        }
        if (bytes.length != ENCODED_LENGTH) {
            throw new IntegrityException("volume header has " + bytes.length + " bytes, expected " + ENCODED_LENGTH
                    + " (truncated or corrupted)");
        }
        int storedCrc = ByteBuffer.wrap(bytes, ENCODED_LENGTH - Integer.BYTES, Integer.BYTES).getInt();
        if (storedCrc != crc(bytes, ENCODED_LENGTH - Integer.BYTES)) {
            throw new IntegrityException("volume header checksum mismatch (corrupted)");
        }
        byte[] volumeId = take(in, VOLUME_ID_LENGTH);
        int blockSize = in.getInt();
        int memoryKiB = in.getInt();
        int iterations = in.getInt();
        int parallelism = in.getInt();
        byte[] salt = take(in, KdfParams.SALT_LENGTH);
        byte[] wrapped = take(in, KeyWrap.WRAPPED_LENGTH);
        try {
            return new VolumeHeader(volumeId, blockSize, new KdfParams(memoryKiB, iterations, parallelism, salt), wrapped);
        } catch (IllegalArgumentException e) {
            throw new IntegrityException("volume header has invalid fields: " + e.getMessage(), e);
        }
    }

    private static byte[] take(ByteBuffer in, int n) {
        byte[] out = new byte[n];
        in.get(out);
        return out;
    }

    private static int crc(byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VolumeHeader other && Arrays.equals(encode(), other.encode());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encode());
    }

    @Override
    public String toString() {
        return "VolumeHeader[v" + formatVersion + ", volume=" + HexFormat.of().formatHex(volumeId)
                + ", blockSize=" + blockSize + ", " + kdf + "]";
    }
}
