package io.tgcryptfs.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class KdfTest {
    private static final byte[] SOMESALT = "somesalt".getBytes(StandardCharsets.US_ASCII);

    /** phc-winner-argon2 src/test.c, Argon2id v0x13: pins type, version and password encoding. */
    @Test
    void argon2id_matchesReferenceVector() {
        byte[] out = Kdf.argon2id("password".toCharArray(), 256, 2, 1, SOMESALT);
        assertEquals("9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe", HexFormat.of().formatHex(out));
    }

    @Test
    void argon2id_withTwoLanes_matchesReferenceVector() {
        byte[] out = Kdf.argon2id("password".toCharArray(), 256, 2, 2, SOMESALT);
        assertEquals("6d093c501fd5999645e0ea3bf620d7b8be7fd2db59c20d9fff9539da2bf57037", HexFormat.of().formatHex(out));
    }

    @Test
    void utf8_encodesNonAsciiPasswordsAsUtf8() {
        assertArrayEquals("pässwörd €".getBytes(StandardCharsets.UTF_8), Kdf.utf8("pässwörd €".toCharArray()));
    }

    @Test
    void utf8_withLoneSurrogate_isRejectedRatherThanMappedToQuestionMark() {
        assertThrows(IllegalArgumentException.class, () -> Kdf.utf8(new char[] {'a', '\uDC00'}));
    }
}
