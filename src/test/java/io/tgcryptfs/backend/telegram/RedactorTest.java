package io.tgcryptfs.backend.telegram;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static io.tgcryptfs.backend.telegram.Fixtures.TOKEN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedactorTest {
    private final Redactor redactor = new Redactor(List.of(TOKEN));

    @Test
    void redact_replacesTheTokenAndItsSecretPart() {
        assertEquals("GET /bot<token#0>/getMe", redactor.redact("GET /bot" + TOKEN + "/getMe"));
        assertEquals("secret <redacted> leaked", redactor.redact("secret " + Fixtures.secretOf(TOKEN) + " leaked"));
        assertEquals("nothing here", redactor.redact("nothing here"));
    }

    @Test
    void sanitize_keepsCleanExceptions_andCopiesDirtyChainsWithoutTheToken() {
        IOException clean = new IOException("connection reset");
        assertSame(clean, redactor.sanitize(clean));

        IOException dirty = new IOException("failed: https://api.telegram.org/bot" + TOKEN + "/sendDocument",
                new IllegalStateException("inner " + TOKEN));
        Throwable safe = redactor.sanitize(dirty);
        String text = Fixtures.fullText(safe);
        assertFalse(text.contains(Fixtures.secretOf(TOKEN)), text);
        assertTrue(safe.getMessage().startsWith("java.io.IOException: failed: "), safe.getMessage());
        assertTrue(safe.getCause().getMessage().contains("IllegalStateException"));
        assertArrayEquals(dirty.getStackTrace(), safe.getStackTrace());
    }
}
