package io.tgcryptfs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {
    private static Settings settings(String hocon) {
        return Settings.from(ConfigFactory.parseString(hocon).withFallback(ConfigFactory.defaultReference()).resolve(),
                Map.of("HOME", "/home/someone"));
    }

    private static void assertRefused(String hocon, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> settings(hocon)).getMessage());
    }

    @Test
    void theReference_isAccepted() {
        assertEquals(16L << 20, settings("").packTargetSize());
    }

    /** A pack size of 0 was taken: the mount served, and then no pack and no restore point could be stored. */
    @Test
    void aPackSizeBelowOneMiB_isRefused_namingTheKey() {
        assertRefused("tgcryptfs.pack.target-size = 0", "tgcryptfs.pack.target-size must be at least 1048576 bytes, not 0");
        assertRefused("tgcryptfs.pack.target-size = 512KiB",
                "tgcryptfs.pack.target-size must be at least 1048576 bytes, not 524288");
        assertEquals(1L << 20, settings("tgcryptfs.pack.target-size = 1MiB").packTargetSize());
    }

    @Test
    void aLiveRatioOutsideZeroToOne_isRefused() {
        assertRefused("tgcryptfs.gc.min-live-ratio = 7", "tgcryptfs.gc.min-live-ratio must be between 0 and 1, not 7.0");
        assertRefused("tgcryptfs.gc.min-live-ratio = -0.1", "tgcryptfs.gc.min-live-ratio must be between 0 and 1, not -0.1");
    }
}
