package io.tgcryptfs.crypto;

import java.security.GeneralSecurityException;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.AEADBadTagException;
import javax.crypto.BadPaddingException;
import javax.crypto.Cipher;
import javax.crypto.IllegalBlockSizeException;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * AES-256-GCM through the JDK provider (its intrinsics are the fast path). Each thread keeps one
 * {@link Cipher} per recently used key, re-initialised on every call: {@code Cipher.getInstance} is costly,
 * and so is {@code init} with a key other than the Cipher's last one (it expands the AES key schedule
 * again: a tenth of a random 4 KiB read's time when one Cipher went back and forth between pack keys),
 * while a fresh init per call means no state leaks from a failed call into the next.
 */
final class Gcm {
    static final int NONCE_LENGTH = 12;
    static final int TAG_LENGTH = 16;
    /** Keys a thread keeps a Cipher for: the packs a burst of reads touches (16 MiB each). */
    private static final int KEYS_PER_THREAD = 32;

    private static final ThreadLocal<Ciphers> CIPHERS = ThreadLocal.withInitial(Ciphers::new);

    private Gcm() {}

    /** Encrypts {@code in[inOff, inOff+len)} into {@code out} at {@code outOff} (ciphertext then tag). */
    static void seal(SecretKey key, byte[] nonce, int nonceOff, byte[] aad,
                     byte[] in, int inOff, int len, byte[] out, int outOff) {
        Cipher cipher = CIPHERS.get().of(key);
        try {
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_LENGTH * 8, nonce, nonceOff, NONCE_LENGTH));
            cipher.updateAAD(aad);
            int written = cipher.doFinal(in, inOff, len, out, outOff);
            if (written != len + TAG_LENGTH) {
                throw new IllegalStateException("AES-GCM wrote " + written + " bytes, expected " + (len + TAG_LENGTH));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /**
     * Decrypts ciphertext-then-tag {@code src[ctOff, ctOff+ctLen)}.
     *
     * @throws AEADBadTagException when authentication fails; callers turn it into their own message
     */
    static byte[] open(SecretKey key, byte[] src, int nonceOff, byte[] aad, int ctOff, int ctLen)
            throws AEADBadTagException {
        return open(key, src, nonceOff, aad, src, ctOff, ctLen);
    }

    /** As above with the nonce in {@code nonce[nonceOff, nonceOff+12)}. */
    static byte[] open(SecretKey key, byte[] nonce, int nonceOff, byte[] aad, byte[] src, int ctOff, int ctLen)
            throws AEADBadTagException {
        try {
            return decrypting(key, nonce, nonceOff, aad).doFinal(src, ctOff, ctLen);
        } catch (GeneralSecurityException e) {
            throw asBadTag(e);
        }
    }

    /**
     * Decrypts ciphertext-then-tag {@code src[ctOff, ctOff+ctLen)} into {@code out} at {@code outOff}
     * ({@code ctLen - 16} bytes). On a failure {@code out}'s range holds nothing the caller may use.
     *
     * @throws AEADBadTagException when authentication fails; callers turn it into their own message
     */
    static void openInto(SecretKey key, byte[] nonce, byte[] aad, byte[] src, int ctOff, int ctLen,
                         byte[] out, int outOff) throws AEADBadTagException {
        try {
            decrypting(key, nonce, 0, aad).doFinal(src, ctOff, ctLen, out, outOff);
        } catch (GeneralSecurityException e) {
            throw asBadTag(e);
        }
    }

    private static Cipher decrypting(SecretKey key, byte[] nonce, int nonceOff, byte[] aad)
            throws GeneralSecurityException {
        Cipher cipher = CIPHERS.get().of(key);
        cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_LENGTH * 8, nonce, nonceOff, NONCE_LENGTH));
        cipher.updateAAD(aad);
        return cipher;
    }

    /**
     * A failed tag check, or malformed input (not expected from GCM, but it must still read as an
     * integrity failure); anything else is a JVM without working AES-GCM.
     */
    private static AEADBadTagException asBadTag(GeneralSecurityException e) {
        if (e instanceof AEADBadTagException bad) {
            return bad;
        }
        if (e instanceof BadPaddingException || e instanceof IllegalBlockSizeException) {
            AEADBadTagException bad = new AEADBadTagException("malformed GCM input: " + e.getMessage());
            bad.initCause(e);
            return bad;
        }
        throw new IllegalStateException("AES-GCM decryption failed", e);
    }

    /** One thread's Ciphers by key (identity: a key object per pack), least recently used dropped. */
    private static final class Ciphers extends LinkedHashMap<SecretKey, Cipher> {
        Ciphers() {
            super(KEYS_PER_THREAD * 2, 0.75f, true);
        }

        Cipher of(SecretKey key) {
            Cipher cipher = get(key);
            if (cipher == null) {
                cipher = newCipher();
                put(key, cipher);
            }
            return cipher;
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<SecretKey, Cipher> eldest) {
            return size() > KEYS_PER_THREAD;
        }
    }

    private static Cipher newCipher() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM lacks AES/GCM/NoPadding", e);
        }
    }
}
