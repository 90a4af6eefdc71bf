package io.tgcryptfs.crypto;

import java.nio.CharBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;

/**
 * The key hierarchy of an unlocked volume: a random 256-bit master key, wrapped under Argon2id(password)
 * in the header, and HKDF-SHA256 subkeys (salt = volume id) for each purpose. A password change rewraps
 * the one master key; nothing already sealed needs re-encryption.
 */
public final class VolumeKeys implements AutoCloseable {
    private static final String CHUNK_ID_INFO = "tgcryptfs chunk-id v1";
    private static final String CHUNK_ENC_INFO = "tgcryptfs chunk-enc v1";
    private static final String META_ENC_INFO = "tgcryptfs meta-enc v1";

    private final byte[] masterKey;
    private final byte[] volumeId;
    private final int blockSize;
    private final SubKey chunkIdKey;
    private final SubKey chunkEncKey;
    private final SubKey metaEncKey;
    private final ChunkIdHasher chunkIds;
    private final ChunkCipher chunkCipher;
    private final MetadataCipher metadataCipher;
    private volatile boolean closed;

    private VolumeKeys(byte[] masterKey, byte[] volumeId, int blockSize, SecureRandom random) {
        if (masterKey.length != SubKey.LENGTH) {
            throw new IllegalArgumentException("master key must be " + SubKey.LENGTH + " bytes");
        }
        this.masterKey = masterKey.clone();
        this.volumeId = volumeId.clone();
        this.blockSize = blockSize;
        this.chunkIdKey = subKey("HmacSHA256", CHUNK_ID_INFO);
        this.chunkEncKey = subKey("AES", CHUNK_ENC_INFO);
        this.metaEncKey = subKey("AES", META_ENC_INFO);
        this.chunkIds = new ChunkIdHasher(chunkIdKey);
        this.chunkCipher = new ChunkCipher(chunkEncKey, random);
        this.metadataCipher = new MetadataCipher(metaEncKey, random);
    }

    /**
     * Random 256-bit master key and volume id, the key wrapped (AES-256-GCM, AAD = "tgcryptfs-kek" ||
     * volumeId || blockSize) under Argon2id(password, params). {@code random} also supplies every nonce
     * the returned keys use.
     */
    public static NewVolume create(char[] password, int blockSize, KdfParams params, SecureRandom random) {
        requirePassword(password);
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(random, "random");
        VolumeHeader.checkBlockSize(blockSize);
        byte[] volumeId = new byte[VolumeHeader.VOLUME_ID_LENGTH];
        random.nextBytes(volumeId);
        byte[] masterKey = new byte[SubKey.LENGTH];
        random.nextBytes(masterKey);
        try {
            byte[] wrapped = KeyWrap.wrap(masterKey, password, params, volumeId, blockSize, random);
            VolumeHeader header = new VolumeHeader(volumeId, blockSize, params, wrapped);
            return new NewVolume(header, new VolumeKeys(masterKey, volumeId, blockSize, random));
        } finally {
            Arrays.fill(masterKey, (byte) 0);
        }
    }

    /** Unlocks with a fresh system {@link SecureRandom} for nonces. */
    public static VolumeKeys unlock(VolumeHeader header, char[] password) throws WrongPasswordException {
        return unlock(header, password, new SecureRandom());
    }

    /** Unlocks; {@code random} supplies every nonce the returned keys use. */
    public static VolumeKeys unlock(VolumeHeader header, char[] password, SecureRandom random)
            throws WrongPasswordException {
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(random, "random");
        byte[] volumeId = header.volumeId();
        byte[] masterKey = KeyWrap.unwrap(header.wrappedMasterKey(), password, header.kdf(), volumeId, header.blockSize());
        try {
            return new VolumeKeys(masterKey, volumeId, header.blockSize(), random);
        } finally {
            Arrays.fill(masterKey, (byte) 0);
        }
    }

    /**
     * Same master key wrapped under a new password and new salt (password change rewraps one key).
     * The old header still opens with the old password: the caller replaces it everywhere it is stored.
     *
     * @throws IllegalArgumentException if {@code header} is not this volume's (other id or block size),
     *     so a tampered header cannot be laundered into a validly wrapped one
     */
    public VolumeHeader rewrap(VolumeHeader header, char[] newPassword, KdfParams newParams, SecureRandom random) {
        ensureOpen();
        Objects.requireNonNull(header, "header");
        requirePassword(newPassword);
        Objects.requireNonNull(newParams, "newParams");
        Objects.requireNonNull(random, "random");
        if (!header.belongsTo(volumeId) || header.blockSize() != blockSize) {
            throw new IllegalArgumentException("header does not belong to this volume");
        }
        byte[] wrapped = KeyWrap.wrap(masterKey, newPassword, newParams, volumeId, blockSize, random);
        return new VolumeHeader(volumeId, blockSize, newParams, wrapped);
    }

    public ChunkIdHasher chunkIds() {
        ensureOpen();
        return chunkIds;
    }

    public ChunkCipher chunkCipher() {
        ensureOpen();
        return chunkCipher;
    }

    public MetadataCipher metadataCipher() {
        ensureOpen();
        return metadataCipher;
    }

    /**
     * Zeroes the master key and subkeys; the hashers and ciphers handed out refuse work afterwards.
     * Expanded key schedules inside JDK {@code Cipher}/{@code Mac} objects are out of our reach.
     */
    @Override
    public void close() {
        closed = true;
        Arrays.fill(masterKey, (byte) 0);
        chunkIdKey.destroy();
        chunkEncKey.destroy();
        chunkCipher.destroyPackKeys();
        metaEncKey.destroy();
    }

    private SubKey subKey(String algorithm, String info) {
        byte[] raw = Kdf.hkdfSha256(masterKey, volumeId, info);
        try {
            return new SubKey(algorithm, raw);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("volume keys are closed");
        }
    }

    private static void requirePassword(char[] password) {
        Objects.requireNonNull(password, "password");
        if (password.length == 0 || CharBuffer.wrap(password).chars().allMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("password must not be empty");
        }
    }

    @Override
    public String toString() {
        return "VolumeKeys[" + (closed ? "closed" : "open") + "]";
    }
}
