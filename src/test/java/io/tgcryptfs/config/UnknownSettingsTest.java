package io.tgcryptfs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UnknownSettingsTest {
    private static Config withReference(String hocon) {
        return ConfigFactory.parseString(hocon).withFallback(ConfigFactory.defaultReference()).resolve();
    }

    @Test
    void theReferenceAlone_hasNoUnknownSettings() {
        assertEquals(List.of(), UnknownSettings.warnings(ConfigFactory.defaultReference()));
    }

    @Test
    void aMisspeltKey_isNamed_withTheKeyItProbablyMeant() {
        assertEquals(List.of("unknown setting tgcryptfs.upload.concurency is ignored (did you mean tgcryptfs.upload.concurrency?)"),
                UnknownSettings.warnings(withReference("tgcryptfs.upload.concurency = 4")));
    }

    @Test
    void aKeyLikeNoOther_isNamedAlone() {
        assertEquals(List.of("unknown setting tgcryptfs.turbo is ignored"),
                UnknownSettings.warnings(withReference("tgcryptfs.turbo = true")));
    }

    @Test
    void knownKeys_listsGivenAsIndexedSystemProperties_andOtherNamespaces_areNotReported() {
        Config config = ConfigFactory.parseMap(Map.of(
                        "tgcryptfs.backend.telegram.chat-ids.0", "-100123",
                        "tgcryptfs.backend.telegram.chat-ids.1", "-100456",
                        "tgcryptfs.upload.concurrency", "8",
                        "pekko.loglevel", "DEBUG",
                        "kamon.environment.service", "x"))
                .withFallback(ConfigFactory.defaultReference()).resolve();
        assertEquals(List.of(), UnknownSettings.warnings(config));
    }

    @Test
    void aMisspeltSystemProperty_isNamed() {
        System.setProperty("tgcryptfs.upload.concurrenc", "3");
        try {
            ConfigFactory.invalidateCaches();
            Config config = ConfigFactory.systemProperties().withFallback(ConfigFactory.defaultReference()).resolve();
            assertEquals(List.of("unknown setting tgcryptfs.upload.concurrenc is ignored (did you mean tgcryptfs.upload.concurrency?)"),
                    UnknownSettings.warnings(config));
        } finally {
            System.clearProperty("tgcryptfs.upload.concurrenc");
            ConfigFactory.invalidateCaches();
        }
    }

    @Test
    void distance_isLevenshtein() {
        assertEquals(0, UnknownSettings.distance("abc", "abc"));
        assertEquals(1, UnknownSettings.distance("concurency", "concurrency"));
        assertEquals(2, UnknownSettings.distance("ab", "ba"));
        assertEquals(3, UnknownSettings.distance("", "abc"));
    }
}
