package io.tgcryptfs.crypto;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.bouncycastle.crypto.params.HKDFParameters;

/** The two key derivations the JDK lacks, both from Bouncy Castle. */
final class Kdf {
    private Kdf() {}

    /** Password -> 256-bit key-encryption key. */
    static byte[] argon2id(char[] password, KdfParams params) {
        return argon2id(password, params.memoryKiB(), params.iterations(), params.parallelism(), params.salt());
    }

    /** Unvalidated form, so tests can check the wiring against the reference vectors (8-byte salts). */
    static byte[] argon2id(char[] password, int memoryKiB, int iterations, int parallelism, byte[] salt) {
        Argon2Parameters argon = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(memoryKiB)
                .withIterations(iterations)
                .withParallelism(parallelism)
                .withSalt(salt)
                .build();
        byte[] passwordBytes = utf8(password);
        try {
            Argon2BytesGenerator generator = new Argon2BytesGenerator();
            generator.init(argon);
            byte[] out = new byte[SubKey.LENGTH];
            generator.generateBytes(passwordBytes, out);
            return out;
        } finally {
            Arrays.fill(passwordBytes, (byte) 0);
            argon.clear();
        }
    }

    /** One purpose-bound subkey from the master key. */
    static byte[] hkdfSha256(byte[] masterKey, byte[] salt, String info) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(masterKey, salt, info.getBytes(StandardCharsets.UTF_8)));
        byte[] out = new byte[SubKey.LENGTH];
        hkdf.generateBytes(out, 0, out.length);
        return out;
    }

    /**
     * Encodes the password ourselves (BC's char[] overload leaves a copy we cannot wipe) and strictly:
     * the lenient encoder would map every lone surrogate to '?', making distinct passwords equal.
     */
    static byte[] utf8(char[] password) {
        ByteBuffer encoded;
        try {
            encoded = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(password));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("password is not valid Unicode (lone surrogate)", e);
        }
        byte[] out = Arrays.copyOfRange(encoded.array(), encoded.arrayOffset(), encoded.arrayOffset() + encoded.limit());
        Arrays.fill(encoded.array(), (byte) 0);
        return out;
    }
}
