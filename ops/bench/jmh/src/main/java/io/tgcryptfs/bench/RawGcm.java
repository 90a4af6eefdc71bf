package io.tgcryptfs.bench;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** The baseline: plain JDK AES-256-GCM, one Cipher re-initialised per call, counter nonces, no AAD. */
final class RawGcm {
    private final SecretKey key;
    private final Cipher cipher;
    private final byte[] nonce = new byte[12];
    private long counter;

    RawGcm() throws GeneralSecurityException {
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        key = new SecretKeySpec(raw, "AES");
        cipher = Cipher.getInstance("AES/GCM/NoPadding");
    }

    /** Encrypts {@code in[0, len)} into {@code out} (ciphertext then 16-byte tag) under a fresh nonce. */
    int seal(byte[] in, int len, byte[] out) throws GeneralSecurityException {
        ByteBuffer.wrap(nonce).putLong(4, ++counter);
        cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
        return cipher.doFinal(in, 0, len, out, 0);
    }

    /** Seals {@code in[0, len)} and returns nonce || ciphertext || tag (input for {@link #open}). */
    byte[] sealed(byte[] in, int len) throws GeneralSecurityException {
        byte[] ct = new byte[len + 16];
        seal(in, len, ct);
        byte[] out = new byte[12 + ct.length];
        System.arraycopy(nonce, 0, out, 0, 12);
        System.arraycopy(ct, 0, out, 12, ct.length);
        return out;
    }

    /** Authenticates and decrypts nonce || ciphertext || tag into {@code out}; returns the plaintext length. */
    int open(byte[] sealed, byte[] out) throws GeneralSecurityException {
        cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, sealed, 0, 12));
        return cipher.doFinal(sealed, 12, sealed.length - 12, out, 0);
    }
}
