package io.tgcryptfs.backend.telegram;

import io.tgcryptfs.backend.telegram.fake.FakeBotApi;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

/** Tokens, chats and settings shared by the Telegram tests. */
final class Fixtures {
    static final String TOKEN = "111111:AAFakeSecret-token_for_tests_0001";
    static final String TOKEN_2 = "222222:AAFakeSecret-token_for_tests_0002";
    static final String UNKNOWN_TOKEN = "333333:AAUnknownSecret-token_for_tests_03";
    static final long CHAT_A = -1001000000001L;
    static final long CHAT_B = -1001000000002L;

    private Fixtures() {
    }

    /** Settings for {@code fake} with fast rates (20/s per chat) so tests do not wait. */
    static TelegramSettings fast(FakeBotApi fake, List<String> tokens, List<Long> chats) {
        return new TelegramSettings(URI.create(fake.apiUrl()), tokens, chats, 20, 100_000, 1_000,
                50_000_000L, 20_000_000L, Duration.ofSeconds(10), Duration.ofSeconds(60));
    }

    static TelegramSettings fast(FakeBotApi fake) {
        return fast(fake, List.of(TOKEN), List.of(CHAT_A));
    }

    /** A file of {@code size} seeded random bytes. */
    static Path randomFile(Path dir, String name, int size, long seed) throws IOException {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        Path p = dir.resolve(name);
        Files.write(p, data);
        return p;
    }

    /** Everything an exception would show in a log: messages, causes, suppressed, stack. */
    static String fullText(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    static String secretOf(String token) {
        return token.substring(token.indexOf(':') + 1);
    }
}
