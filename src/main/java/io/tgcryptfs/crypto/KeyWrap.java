package io.tgcryptfs.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;

/**
 * Wraps the master key under Argon2id(password): {@code nonce || ciphertext || tag}. The associated data
 * binds volume id and block size, so a header edited on the backend (another volume's id, a different
 * block size) does not unlock. The KDF parameters need no binding: other parameters give another KEK.
 */
final class KeyWrap {
    static final int WRAPPED_LENGTH = Gcm.NONCE_LENGTH + SubKey.LENGTH + Gcm.TAG_LENGTH;

    private static final byte[] AAD_PREFIX = "tgcryptfs-kek".getBytes(StandardCharsets.US_ASCII);

    private KeyWrap() {}

    static byte[] wrap(byte[] masterKey, char[] password, KdfParams params, byte[] volumeId, int blockSize,
                       SecureRandom random) {
        SubKey kek = kek(password, params);
        try {
            byte[] wrapped = new byte[WRAPPED_LENGTH];
            byte[] nonce = new byte[Gcm.NONCE_LENGTH];
            random.nextBytes(nonce);
            System.arraycopy(nonce, 0, wrapped, 0, nonce.length);
            Gcm.seal(kek, wrapped, 0, aad(volumeId, blockSize), masterKey, 0, masterKey.length, wrapped, Gcm.NONCE_LENGTH);
            return wrapped;
        } finally {
            kek.destroy();
        }
    }

    static byte[] unwrap(byte[] wrapped, char[] password, KdfParams params, byte[] volumeId, int blockSize)
            throws WrongPasswordException {
        SubKey kek;
        try {
            kek = kek(password, params);
        } catch (IllegalArgumentException e) {
            // An unencodable password can never have been set, so it is simply not the password.
            throw new WrongPasswordException("wrong password for this volume", e);
        }
        try {
            return Gcm.open(kek, wrapped, 0, aad(volumeId, blockSize), Gcm.NONCE_LENGTH, wrapped.length - Gcm.NONCE_LENGTH);
        } catch (AEADBadTagException e) {
            throw new WrongPasswordException("wrong password for this volume (or its header was altered)", e);
        } finally {
            kek.destroy();
        }
    }

    private static SubKey kek(char[] password, KdfParams params) {
        byte[] raw = Kdf.argon2id(password, params);
        try {
            return new SubKey("AES", raw);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    private static byte[] aad(byte[] volumeId, int blockSize) {
        return ByteBuffer.allocate(AAD_PREFIX.length + volumeId.length + Integer.BYTES)
                .put(AAD_PREFIX).put(volumeId).putInt(blockSize).array();
    }
}
