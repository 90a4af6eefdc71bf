package io.tgcryptfs.backend.telegram;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static io.tgcryptfs.backend.telegram.Fixtures.TOKEN;
import static io.tgcryptfs.backend.telegram.Fixtures.TOKEN_2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TelegramSettingsTest {
    @TempDir
    Path tmp;

    private static Config config(String telegramBlock) {
        return ConfigFactory.parseString("tgcryptfs.backend.telegram {\n" + telegramBlock + "\n}");
    }

    @Test
    void from_readsTheGivenKeys_andTakesDefaultsForTheRest() {
        TelegramSettings s = TelegramSettings.from(config(
                "bot-tokens = [\"" + TOKEN + "\"]\nchat-ids = [-1001234567890, -1001234567891]"));
        assertEquals(URI.create("https://api.telegram.org"), s.apiUrl());
        assertEquals(List.of(TOKEN), s.botTokens());
        assertEquals(List.of(-1001234567890L, -1001234567891L), s.chatIds());
        assertEquals(1.0, s.perChatMessagesPerSecond());
        assertEquals(20, s.perChatMessagesPerMinute());
        assertEquals(30.0, s.perBotMessagesPerSecond());
        assertEquals(50_000_000L, s.maxUploadBytes());
        assertEquals(20_000_000L, s.maxDownloadBytes());
        assertEquals(20_000_000L, s.maxObjectBytes());
        assertEquals(Duration.ofSeconds(60), s.requestTimeout());
        assertEquals(Duration.ofSeconds(60), s.failedChatRetryAfter());
        assertEquals(0.05, s.pacingMargin());
        assertEquals(111111L, s.botId(0));
        assertTrue(s.isCloudApi());
    }

    @Test
    void from_acceptsHoconSizesDurationsAndASelfHostedServer() {
        TelegramSettings s = TelegramSettings.from(config(String.join("\n",
                "api-url = \"http://127.0.0.1:8081/\"",
                "bot-tokens = [\"" + TOKEN + "\"]",
                "chat-ids = [\"-1001\"]",
                "per-chat-messages-per-second = 0.5",
                "max-upload-bytes = 2000MB",
                "max-download-bytes = 2000MB",
                "request-timeout = 5 minutes")));
        assertEquals(URI.create("http://127.0.0.1:8081"), s.apiUrl(), "the trailing slash is dropped");
        assertEquals(List.of(-1001L), s.chatIds());
        assertEquals(0.5, s.perChatMessagesPerSecond());
        assertEquals(2_000_000_000L, s.maxUploadBytes());
        assertEquals(Duration.ofMinutes(5), s.requestTimeout());
        assertFalse(s.isCloudApi());
    }

    @Test
    void tokenFiles_areReadTrimmed_andAddedToTheListedTokens() throws Exception {
        Path file = tmp.resolve("token");
        Files.writeString(file, "  " + TOKEN_2 + "\n\n");
        TelegramSettings s = TelegramSettings.from(config("bot-tokens = [\"" + TOKEN + "\"]\n"
                + "bot-token-files = [\"" + file + "\"]\nchat-ids = [-1]"));
        assertEquals(List.of(TOKEN, TOKEN_2), s.botTokens());
    }

    @Test
    void noToken_failsNamingTheKeysToSet() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> TelegramSettings.from(config("chat-ids = [-1]")));
        assertTrue(e.getMessage().contains("tgcryptfs.backend.telegram.bot-tokens"), e.getMessage());
        assertTrue(e.getMessage().contains("bot-token-files"), e.getMessage());
    }

    @Test
    void noChat_failsNamingTheKey() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> TelegramSettings.from(config("bot-tokens = [\"" + TOKEN + "\"]")));
        assertTrue(e.getMessage().contains("tgcryptfs.backend.telegram.chat-ids"), e.getMessage());
    }

    @Test
    void aMalformedToken_failsWithoutQuotingIt() {
        String bad = "not a token but a secret-looking string";
        var e = assertThrows(IllegalArgumentException.class,
                () -> TelegramSettings.from(config("bot-tokens = [\"" + bad + "\"]\nchat-ids = [-1]")));
        assertTrue(e.getMessage().contains("token #0"), e.getMessage());
        assertFalse(e.getMessage().contains(bad), e.getMessage());
    }

    @Test
    void aTokenFileThatCannotBeRead_failsNamingThePath() {
        Path missing = tmp.resolve("no-such-token");
        var e = assertThrows(IllegalArgumentException.class, () -> TelegramSettings.from(config(
                "bot-token-files = [\"" + missing + "\"]\nchat-ids = [-1]")));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void aTokenFileWithSomethingElse_failsWithoutQuotingIt() throws Exception {
        Path file = tmp.resolve("token");
        Files.writeString(file, "hunter2-is-my-password\n");
        var e = assertThrows(IllegalArgumentException.class, () -> TelegramSettings.from(config(
                "bot-token-files = [\"" + file + "\"]\nchat-ids = [-1]")));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @Test
    void wrongValues_failWithTheKeysName() {
        String base = "bot-tokens = [\"" + TOKEN + "\"]\nchat-ids = [-1]\n";
        for (String line : List.of("per-chat-messages-per-second = 0", "per-bot-messages-per-second = -3",
                "per-chat-messages-per-minute = 0", "max-upload-bytes = 0", "request-timeout = 0s",
                "api-url = \"ftp://example.org\"", "chat-ids = [-1, -1]", "pacing-margin = -0.1")) {
            var e = assertThrows(IllegalArgumentException.class, () -> TelegramSettings.from(config(base + line)),
                    line);
            String key = line.substring(0, line.indexOf(' '));
            assertTrue(e.getMessage().contains(key), e.getMessage());
        }
    }

    @Test
    void twoTokensOfTheSameBot_areRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> TelegramSettings.from(config(
                "bot-tokens = [\"" + TOKEN + "\", \"111111:AnotherSecretOfTheSameBot\"]\nchat-ids = [-1]")));
        assertTrue(e.getMessage().contains("same bot"), e.getMessage());
    }

    @Test
    void toString_neverShowsATokenOrItsSecret() {
        TelegramSettings s = TelegramSettings.from(config(
                "bot-tokens = [\"" + TOKEN + "\", \"" + TOKEN_2 + "\"]\nchat-ids = [-1]"));
        assertFalse(s.toString().contains(Fixtures.secretOf(TOKEN)), s.toString());
        assertFalse(s.toString().contains(Fixtures.secretOf(TOKEN_2)), s.toString());
        assertTrue(s.toString().contains("<2 redacted>"), s.toString());
    }

    @Test
    void referenceConf_documentsEveryTelegramKey() throws Exception {
        String snippet;
        try (var in = getClass().getClassLoader().getResourceAsStream("reference.conf")) {
            snippet = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        Config c = ConfigFactory.parseString(snippet).getConfig(TelegramSettings.PATH);
        List<String> lines = snippet.lines().toList();
        for (String key : c.root().keySet()) {
            int at = -1;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).trim().startsWith(key + " =")) {
                    at = i;
                }
            }
            assertTrue(at > 0 && lines.get(at - 1).trim().startsWith("#"), key + " has no comment above it");
        }
        assertEquals(12, c.root().size());
    }
}
