package io.tgcryptfs.fs;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FileNamesTest {
    @Test
    void anyBytes_comeBackAsThemselves() {
        Random rnd = new Random(1);
        for (int i = 0; i < 100_000; i++) {
            byte[] name = new byte[1 + rnd.nextInt(12)];
            rnd.nextBytes(name);
            assertArrayEquals(name, FileNames.encode(FileNames.decode(name)), () -> java.util.HexFormat.of().formatHex(name));
        }
    }

    @Test
    void validUtf8_decodesAsText_soNamesStoredBeforeReadTheSame() {
        for (String s : new String[] {"plain", "été", "ünï", "日本語", "emoji \uD83D\uDE00", "\u0001ctl"}) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            assertEquals(s, FileNames.decode(utf8));
            assertArrayEquals(utf8, FileNames.encode(s));
        }
    }

    @Test
    void namesThatAreNotUtf8_stayDistinct() {
        String e9 = FileNames.decode(new byte[] {'c', 'a', 'f', (byte) 0xe9});
        String e8 = FileNames.decode(new byte[] {'c', 'a', 'f', (byte) 0xe8});
        assertNotEquals(e9, e8, "Latin-1 é and è");
        assertEquals("caf\uDCE9", e9);
        // overlong, surrogate and truncated sequences are bytes, not text
        for (byte[] bad : new byte[][] {{(byte) 0xc0, (byte) 0xaf}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xe6, (byte) 0x97}}) {
            String s = FileNames.decode(bad);
            assertEquals(bad.length, s.length());
            assertArrayEquals(bad, FileNames.encode(s));
        }
    }

    @Test
    void aLoneSurrogateNotFromDecoding_isRefused() {
        assertThrows(FsException.class, () -> FileNames.encode("x\uD800"));
        assertThrows(FsException.class, () -> FileNames.encode("x\uDC10"));
    }
}
