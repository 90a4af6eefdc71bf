package io.tgcryptfs.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RawEnvironmentTest {
    private static byte[] environ(byte[]... entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] e : entries) {
            out.writeBytes(e);
            out.write(0);
        }
        return out.toByteArray();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aValue_isItsUtf8Bytes_whateverTheLocale() {
        byte[] env = environ(ascii("PATH=/bin"), ascii("TGCRYPTFS_PASSWORD_X=no"),
                "TGCRYPTFS_PASSWORD=p\u00e9 \u65e5=x".getBytes(StandardCharsets.UTF_8), ascii("LANG=C"));
        assertEquals("p\u00e9 \u65e5=x", RawEnvironment.find(env, "TGCRYPTFS_PASSWORD"));
        assertEquals("/bin", RawEnvironment.find(env, "PATH"));
        assertEquals("", RawEnvironment.find(environ(ascii("E=")), "E"));
        assertNull(RawEnvironment.find(env, "HOME"));
        assertNull(RawEnvironment.find(env, "TGCRYPTFS"), "a prefix of a name is not the name");
    }

    @Test
    void aValueThatIsNotUtf8_isRefused_notGuessed() {
        byte[] env = environ(new byte[] {'P', 'W', '=', 'p', (byte) 0xe9});
        CliException e = assertThrows(CliException.class, () -> RawEnvironment.find(env, "PW"));
        assertEquals("$PW is not valid UTF-8", e.getMessage());
    }
}
