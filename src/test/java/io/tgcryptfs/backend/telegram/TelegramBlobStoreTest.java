package io.tgcryptfs.backend.telegram;

import io.tgcryptfs.testing.ManualClock;
import io.tgcryptfs.backend.Sleeper;
import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backend.BackendException.Kind;
import io.tgcryptfs.backend.telegram.fake.FakeBotApi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.tgcryptfs.backend.telegram.Fixtures.CHAT_A;
import static io.tgcryptfs.backend.telegram.Fixtures.CHAT_B;
import static io.tgcryptfs.backend.telegram.Fixtures.TOKEN;
import static io.tgcryptfs.backend.telegram.Fixtures.TOKEN_2;
import static io.tgcryptfs.backend.telegram.Fixtures.fast;
import static io.tgcryptfs.backend.telegram.Fixtures.randomFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TelegramBlobStoreTest {
    @TempDir
    Path tmp;

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private FakeBotApi fake(FakeBotApi.Builder builder) throws IOException {
        FakeBotApi f = builder.start();
        closeables.add(f);
        return f;
    }

    private FakeBotApi fastFake(long... chats) throws IOException {
        FakeBotApi.Builder b = FakeBotApi.builder().bot(TOKEN).bot(TOKEN_2)
                .perChatPerSecond(20).perChatPerMinute(100_000).perBotPerSecond(1_000);
        for (long c : chats) {
            b.chat(c);
        }
        return fake(b);
    }

    /** A fast fake on the store's fake clock: no time passes in flight, so no grace after a 429. */
    private FakeBotApi fastFake(Clock clock, long... chats) throws IOException {
        FakeBotApi.Builder b = FakeBotApi.builder().bot(TOKEN).bot(TOKEN_2).clock(clock).pauseGrace(Duration.ZERO)
                .perChatPerSecond(20).perChatPerMinute(100_000).perBotPerSecond(1_000);
        for (long c : chats) {
            b.chat(c);
        }
        return fake(b);
    }

    private TelegramBlobStore store(TelegramSettings settings) {
        return store(settings, Clock.systemUTC(), Sleeper.REAL);
    }

    private TelegramBlobStore store(TelegramSettings settings, Clock clock, Sleeper sleeper) {
        TelegramBlobStore s = new TelegramBlobStore(settings, clock, sleeper);
        closeables.add(s);
        return s;
    }

    private static BackendException.Kind kindOf(ThrowingRunnable r) throws Exception {
        try {
            r.run();
        } catch (BackendException e) {
            return e.kind();
        }
        return null;
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    // ------------------------------------------------------------------ objects

    @Test
    void put_thenGet_returnsTheSameBytes() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A);
        TelegramBlobStore store = store(fast(fake));
        Map<String, Path> sent = new HashMap<>();
        for (int i = 0; i < 3; i++) {
            Path f = randomFile(tmp, "pack" + i, 100_000 + i * 7_777, i);
            sent.put(store.put("name" + i, f), f);
        }
        for (Map.Entry<String, Path> e : sent.entrySet()) {
            assertTrue(e.getKey().startsWith("tg:111111:" + CHAT_A + ":"), e.getKey());
            Path back = tmp.resolve("back");
            store.get(e.getKey(), back);
            assertArrayEquals(Files.readAllBytes(e.getValue()), Files.readAllBytes(back));
        }
        assertEquals(Map.of("name0", 1L, "name1", 1L, "name2", 1L), fake.documentCountsByName());
        assertEquals(3, store.status().chat(0, CHAT_A).sends());
    }

    @Test
    void get_overwritesAnExistingTarget_andLeavesNoTemporaryFiles() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A);
        TelegramBlobStore store = store(fast(fake));
        Path f = randomFile(tmp, "pack", 5_000, 1);
        String ref = store.put("n", f);
        Path dir = Files.createDirectories(tmp.resolve("out"));
        Path target = dir.resolve("target");
        Files.writeString(target, "old contents that are longer than nothing");
        store.get(ref, target);
        assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(target));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(target), files.toList());
        }
    }

    @Test
    void delete_removesTheDocument_andALaterGetIsNotFound() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A);
        TelegramBlobStore store = store(fast(fake));
        String ref = store.put("gone", randomFile(tmp, "pack", 1_000, 1));
        assertEquals(1, fake.documents().size());
        store.delete(ref);
        assertEquals(0, fake.documents().size());
        assertEquals(Kind.NOT_FOUND, kindOf(() -> store.get(ref, tmp.resolve("x"))));
        assertFalse(Files.exists(tmp.resolve("x")));
    }

    @Test
    void delete_ofAnAlreadyDeletedObject_succeeds() throws Exception {
        // as the local store's: a retry of a delete whose answer was lost finds the message gone, and a
        // `tgcryptfs gc` that failed on it failed at every later pass (OracleIT on a flaky fake found it)
        FakeBotApi fake = fastFake(CHAT_A);
        TelegramBlobStore store = store(fast(fake));
        String ref = store.put("gone", randomFile(tmp, "pack", 1_000, 1));
        store.delete(ref);
        store.delete(ref);
        assertEquals(0, fake.documents().size());
        assertEquals(Kind.NOT_FOUND, kindOf(() -> store.get(ref, tmp.resolve("x"))));
    }

    @Test
    void get_ofAMalformedRef_orOneFromAnUnconfiguredBot_isPermanent() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A);
        TelegramBlobStore store = store(fast(fake));
        assertEquals(Kind.PERMANENT, kindOf(() -> store.get("local-name", tmp.resolve("x"))));
        assertEquals(Kind.PERMANENT, kindOf(() -> store.get("tg:1:2", tmp.resolve("x"))));
        BackendException e = assertThrows(BackendException.class,
                () -> store.get("tg:999:" + CHAT_A + ":5:BQAC999_1", tmp.resolve("x")));
        assertEquals(Kind.PERMANENT, e.kind());
        assertTrue(e.getMessage().contains("bot 999"), e.getMessage());
    }

    @Test
    void objects_putByEachBot_areReadBackThroughThatBot() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A, CHAT_B);
        ManualClock clock = new ManualClock();
        TelegramBlobStore store = store(fast(fake, List.of(TOKEN, TOKEN_2), List.of(CHAT_A, CHAT_B)),
                clock, clock.sleeper());
        Map<String, Path> refs = new HashMap<>();
        for (int i = 0; i < 8; i++) {
            Path f = randomFile(tmp, "p" + i, 1_000 + i, i);
            refs.put(store.put("n" + i, f), f);
        }
        for (var e : refs.entrySet()) {
            Path back = tmp.resolve("back");
            store.get(e.getKey(), back);
            assertArrayEquals(Files.readAllBytes(e.getValue()), Files.readAllBytes(back));
        }
        TelegramStatus status = store.status();
        for (TelegramStatus.ChatStatus c : status.chats()) {
            assertEquals(2, c.sends(), "every (bot, chat) lane takes its share: " + c);
        }
        assertTrue(refs.keySet().stream().anyMatch(r -> r.startsWith("tg:222222:")));
    }

    // ------------------------------------------------------------------ root record

    @Test
    void getRoot_onAChatWithNothingPinned_isEmpty() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A);
        assertEquals(Optional.empty(), store(fast(fake)).getRoot());
    }

    @Test
    void putRoot_thenGetRoot_returnsTheLatestRecord() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A, CHAT_B);
        TelegramBlobStore store = store(fast(fake, List.of(TOKEN), List.of(CHAT_A, CHAT_B)));
        store.putRoot(new byte[] {1, 2, 3});
        byte[] second = new byte[TelegramBlobStore.MAX_ROOT_BYTES];
        second[0] = 42;
        store.putRoot(second);
        assertArrayEquals(second, store.getRoot().orElseThrow());
        assertTrue(fake.pinnedText(CHAT_A).orElseThrow().startsWith(TelegramBlobStore.ROOT_PREFIX));
        assertEquals(Optional.empty(), fake.pinnedText(CHAT_B), "the root lives in the first chat only");
        // a fresh store (a new machine) finds it too
        assertArrayEquals(second, store(fast(fake, List.of(TOKEN), List.of(CHAT_A, CHAT_B))).getRoot().orElseThrow());
    }

    @Test
    void putRoot_tooLargeForOneMessage_isRefused() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A);
        TelegramBlobStore store = store(fast(fake));
        assertEquals(Kind.PERMANENT, kindOf(() -> store.putRoot(new byte[TelegramBlobStore.MAX_ROOT_BYTES + 1])));
        assertEquals(0, fake.requests("sendMessage"));
    }

    @Test
    void getRoot_whenSomethingElseIsPinned_isPermanentRatherThanEmpty() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A);
        TelegramSettings settings = fast(fake);
        BotApiClient client = new BotApiClient(BotApiClient.newHttpClient(Duration.ofSeconds(5)), settings.apiUrl(),
                TOKEN, Duration.ofSeconds(5), "bot #0");
        client.pinChatMessage(CHAT_A, client.sendMessage(CHAT_A, "welcome to my channel"));
        BackendException e = assertThrows(BackendException.class, () -> store(settings).getRoot());
        assertEquals(Kind.PERMANENT, e.kind());
        assertTrue(e.getMessage().contains("not a tgcryptfs root record"), e.getMessage());
    }

    // ------------------------------------------------------------------ rate limits

    @Test
    void put_answered429_throwsRateLimitedWithTelegramsRetryAfter_andPausesThatBotOnEveryChat() throws Exception {
        ManualClock clock = new ManualClock();
        FakeBotApi fake = fastFake(clock, CHAT_A, CHAT_B);
        TelegramBlobStore store = store(fast(fake, List.of(TOKEN, TOKEN_2), List.of(CHAT_A, CHAT_B)), clock,
                clock.sleeper());
        fake.rateLimitNextSend(CHAT_A, 7);
        Path f = randomFile(tmp, "p", 1_000, 1);

        BackendException e = assertThrows(BackendException.class, () -> store.put("first", f));
        assertEquals(Kind.RATE_LIMITED, e.kind());
        assertEquals(Duration.ofSeconds(7), e.retryAfter());
        Instant limitedAt = clock.instant();
        TelegramStatus.ChatStatus a = store.status().chat(0, CHAT_A);
        assertEquals(limitedAt.plusSeconds(7), a.pausedUntil());
        assertEquals(1, a.rateLimited());
        assertEquals(limitedAt.plusSeconds(7), store.status().chat(0, CHAT_B).pausedUntil(),
                "a 429 pauses the bot, not only the chat");
        assertNull(store.status().chat(1, CHAT_A).pausedUntil());
        assertNull(store.status().chat(1, CHAT_B).pausedUntil());

        for (int i = 0; i < 3; i++) {
            String ref = store.put("n" + i, f);
            assertTrue(ref.startsWith("tg:222222:"), "the paused bot is skipped: " + ref);
        }
        assertTrue(clock.instant().isBefore(limitedAt.plusSeconds(7)), "nobody waited for the paused bot");
        assertEquals(1, fake.rateLimitedTotal());
        assertEquals(0, fake.pauseViolations());

        clock.advance(Duration.ofSeconds(7));
        assertNull(store.status().chat(0, CHAT_A).pausedUntil());
        Instant resumed = clock.instant();
        java.util.Set<String> lanes = new java.util.TreeSet<>();
        for (int i = 0; i < 4; i++) {
            String[] ref = store.put("later" + i, f).split(":");
            lanes.add(ref[1] + "/" + ref[2]);
        }
        assertEquals(4, lanes.size(), "the pause ended on time: every lane takes a turn again " + lanes);
        assertTrue(clock.instant().isBefore(resumed.plusSeconds(1)));
    }

    @Test
    void put_whenEveryChatIsPaused_waitsForThePauseInsteadOfFailing() throws Exception {
        ManualClock clock = new ManualClock();
        FakeBotApi fake = fastFake(clock, CHAT_A);
        TelegramBlobStore store = store(fast(fake), clock, clock.sleeper());
        fake.rateLimitNextSend(CHAT_A, 5);
        Path f = randomFile(tmp, "p", 1_000, 1);
        assertEquals(Kind.RATE_LIMITED, kindOf(() -> store.put("a", f)));
        Instant limitedAt = clock.instant();
        store.put("a", f);
        assertFalse(fake.acceptedSendTimes(CHAT_A).get(0).isBefore(limitedAt.plusSeconds(5)),
                "the retry went out only after retry_after");
        assertEquals(0, fake.pauseViolations());
    }

    @Test
    void put_fasterThanTheServerAllows_surfacesTheServersRetryAfter() throws Exception {
        ManualClock clock = new ManualClock();
        FakeBotApi fake = fake(FakeBotApi.builder().bot(TOKEN).chat(CHAT_A).clock(clock)
                .perChatPerSecond(1).perChatPerMinute(20).perBotPerSecond(30));
        TelegramSettings tooFast = fast(fake).withRates(100, 1_000, 1_000);
        TelegramBlobStore store = store(tooFast, clock, clock.sleeper());
        Path f = randomFile(tmp, "p", 1_000, 1);
        store.put("one", f);
        BackendException e = assertThrows(BackendException.class, () -> store.put("two", f));
        assertEquals(Kind.RATE_LIMITED, e.kind());
        assertEquals(1, fake.lastRetryAfter());
        assertEquals(Duration.ofSeconds(fake.lastRetryAfter()), e.retryAfter());
        assertTrue(e.getMessage().contains("Too Many Requests: retry after 1"), e.getMessage());
        assertEquals(clock.instant().plusSeconds(1), store.status().chat(0, CHAT_A).pausedUntil());
        assertEquals(1, fake.rateLimited(CHAT_A));
    }

    @Test
    void puts_acrossTwoChatsAtOneMessagePerSecond_getNo429_andTheServerSeesThemASecondApart() throws Exception {
        FakeBotApi fake = fake(FakeBotApi.builder().bot(TOKEN).chat(CHAT_A).chat(CHAT_B)
                .perChatPerSecond(1).perChatPerMinute(20).perBotPerSecond(30));
        TelegramSettings settings = fast(fake, List.of(TOKEN), List.of(CHAT_A, CHAT_B)).withRates(1, 20, 30);
        TelegramBlobStore store = store(settings);
        int puts = 6;
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < puts; i++) {
            files.add(randomFile(tmp, "p" + i, 20_000 + i, i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < puts; i++) {
                int n = i;
                results.add(pool.submit(() -> store.put("n" + n, files.get(n))));
            }
            for (Future<String> r : results) {
                r.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, fake.rateLimitedTotal(), "no request beyond the limit");
        for (long chat : List.of(CHAT_A, CHAT_B)) {
            List<Instant> times = fake.acceptedSendTimes(chat);
            assertEquals(puts / 2, times.size(), "striped evenly over the chats");
            for (int i = 1; i < times.size(); i++) {
                Duration gap = Duration.between(times.get(i - 1), times.get(i));
                assertTrue(gap.toMillis() >= 900, "sends to chat " + chat + " only " + gap.toMillis() + " ms apart");
                assertTrue(gap.toMillis() < 1_500, "pacing wastes no time: " + gap.toMillis() + " ms");
            }
        }
        assertEquals(puts, fake.documentCountsByName().size());
    }

    @Test
    void puts_keepToThePerMinuteLimit() throws Exception {
        ManualClock clock = new ManualClock();
        FakeBotApi fake = fake(FakeBotApi.builder().bot(TOKEN).chat(CHAT_A).clock(clock)
                .perChatPerSecond(100).perChatPerMinute(3).perBotPerSecond(100));
        TelegramBlobStore store = store(fast(fake).withRates(100, 3, 100), clock, clock.sleeper());
        Path f = randomFile(tmp, "p", 100, 1);
        for (int i = 0; i < 7; i++) {
            store.put("n" + i, f);
        }
        assertEquals(0, fake.rateLimitedTotal());
        List<Instant> t = fake.acceptedSendTimes(CHAT_A);
        assertEquals(7, t.size());
        assertEquals(Duration.ofMinutes(1), Duration.between(t.get(0), t.get(3)));
        assertEquals(Duration.ofMinutes(1), Duration.between(t.get(3), t.get(6)));
        assertEquals(Duration.ofMillis(10), Duration.between(t.get(0), t.get(1)), "a burst within the minute");
    }

    @Test
    void puts_keepToThePerBotLimitAcrossChats() throws Exception {
        ManualClock clock = new ManualClock();
        long[] chats = {CHAT_A, CHAT_B, -1001000000003L, -1001000000004L};
        FakeBotApi.Builder b = FakeBotApi.builder().bot(TOKEN).clock(clock)
                .perChatPerSecond(100).perChatPerMinute(1_000).perBotPerSecond(2);
        for (long c : chats) {
            b.chat(c);
        }
        FakeBotApi fake = fake(b);
        TelegramSettings s = fast(fake, List.of(TOKEN), List.of(chats[0], chats[1], chats[2], chats[3]))
                .withRates(100, 1_000, 2);
        TelegramBlobStore store = store(s, clock, clock.sleeper());
        Path f = randomFile(tmp, "p", 100, 1);
        for (int i = 0; i < 8; i++) {
            store.put("n" + i, f);
        }
        assertEquals(0, fake.rateLimitedTotal());
        List<FakeBotApi.AcceptedSend> sends = fake.acceptedSends();
        for (int i = 1; i < sends.size(); i++) {
            assertEquals(Duration.ofMillis(500), Duration.between(sends.get(i - 1).at(), sends.get(i).at()));
        }
        for (long c : chats) {
            assertEquals(2, fake.acceptedSendTimes(c).size());
        }
    }

    // ------------------------------------------------------------------ sizes

    @Test
    void put_aboveMaxUploadBytes_isRefusedWithoutSendingAnything() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A);
        TelegramBlobStore store = store(fast(fake).withLimits(1_000, 1_000));
        BackendException e = assertThrows(BackendException.class,
                () -> store.put("big", randomFile(tmp, "p", 1_001, 1)));
        assertEquals(Kind.PERMANENT, e.kind());
        assertTrue(e.getMessage().contains("max-upload-bytes"), e.getMessage());
        assertEquals(0, fake.requests("sendDocument"));
        assertEquals(e.getMessage(), store.status().lastPermanentError());
        assertEquals(1_000, store.maxObjectBytes());
    }

    @Test
    void put_aboveMaxDownloadBytes_isRefusedBecauseItCouldNotBeReadBack() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A);
        TelegramBlobStore store = store(fast(fake).withLimits(10_000, 1_000));
        BackendException e = assertThrows(BackendException.class,
                () -> store.put("big", randomFile(tmp, "p", 1_001, 1)));
        assertEquals(Kind.PERMANENT, e.kind());
        assertTrue(e.getMessage().contains("max-download-bytes"), e.getMessage());
        assertEquals(0, fake.requests("sendDocument"));
    }

    @Test
    void put_thatTheServerFindsTooLarge_isPermanent() throws Exception {
        FakeBotApi fake = fake(FakeBotApi.builder().bot(TOKEN).chat(CHAT_A).unlimited().maxUploadBytes(1_000));
        TelegramBlobStore store = store(fast(fake));
        BackendException e = assertThrows(BackendException.class,
                () -> store.put("big", randomFile(tmp, "p", 2_000, 1)));
        assertEquals(Kind.PERMANENT, e.kind());
        assertTrue(e.getMessage().contains("Request Entity Too Large"), e.getMessage());
        assertFalse(store.status().chat(0, CHAT_A).refusing(), "too large is the object's fault, not the chat's");
    }

    @Test
    void get_ofAFileAboveTheServersDownloadCap_isPermanent() throws Exception {
        FakeBotApi fake = fake(FakeBotApi.builder().bot(TOKEN).chat(CHAT_A).unlimited().maxDownloadBytes(1_000));
        TelegramBlobStore store = store(fast(fake));
        String ref = store.put("big", randomFile(tmp, "p", 2_000, 1));
        BackendException e = assertThrows(BackendException.class, () -> store.get(ref, tmp.resolve("back")));
        assertEquals(Kind.PERMANENT, e.kind());
        assertTrue(e.getMessage().contains("file is too big"), e.getMessage());
    }

    // ------------------------------------------------------------------ refusals

    @Test
    void put_toAChatThatRejectsTheBot_isPermanentWithTelegramsReason_andResumesWhenAccessReturns() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A);
        TelegramBlobStore store = store(fast(fake));
        Path f = randomFile(tmp, "p", 1_000, 1);
        fake.setRejectsBot(CHAT_A, true);
        BackendException e = assertThrows(BackendException.class, () -> store.put("n", f));
        assertEquals(Kind.PERMANENT, e.kind());
        assertTrue(e.getMessage().contains("Forbidden: bot is not a member of the channel chat"), e.getMessage());
        assertTrue(e.getMessage().contains(Long.toString(CHAT_A)), e.getMessage());
        TelegramStatus status = store.status();
        assertTrue(status.chat(0, CHAT_A).refusing());
        assertTrue(status.lastPermanentError().contains("Forbidden"), status.lastPermanentError());

        fake.setRejectsBot(CHAT_A, false);
        store.put("n", f);
        assertFalse(store.status().chat(0, CHAT_A).refusing());
        assertNull(store.status().lastPermanentError());
    }

    @Test
    void statusLines_showPausedAndRefusingChats_andTheLastPermanentError() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A, CHAT_B);
        ManualClock clock = new ManualClock();
        TelegramBlobStore store = store(fast(fake, List.of(TOKEN), List.of(CHAT_A, CHAT_B)), clock, clock.sleeper());
        Path f = randomFile(tmp, "p", 100, 1);
        fake.setRejectsBot(CHAT_B, true);
        store.put("a", f); // B refuses, A takes it
        fake.rateLimitNextSend(CHAT_A, 30);
        assertEquals(Kind.RATE_LIMITED, kindOf(() -> store.put("b", f)));
        List<String> lines = store.statusLines();
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("chat " + CHAT_A + ": 1 sent, 1 rate-limited"), lines.get(0));
        assertTrue(lines.get(0).contains("paused until " + clock.instant().plusSeconds(30)), lines.get(0));
        assertTrue(lines.get(1).contains("REFUSING") && lines.get(1).contains("Forbidden"), lines.get(1));
        assertTrue(lines.get(2).contains("last permanent error"), lines.get(2));
    }

    @Test
    void put_withOneChatRejectingTheBot_movesOnToTheOtherChat() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A, CHAT_B);
        TelegramBlobStore store = store(fast(fake, List.of(TOKEN), List.of(CHAT_A, CHAT_B)));
        fake.setRejectsBot(CHAT_A, true);
        Path f = randomFile(tmp, "p", 1_000, 1);
        for (int i = 0; i < 4; i++) {
            assertTrue(store.put("n" + i, f).contains(":" + CHAT_B + ":"));
        }
        assertEquals(1, fake.requests("sendDocument") - 4, "the refusing chat was tried once, then skipped");
        assertTrue(store.status().chat(0, CHAT_A).refusing());
        assertTrue(store.status().chat(0, CHAT_A).lastError().contains("Forbidden"));
    }

    @Test
    void put_withAnUnknownToken_isPermanentAndSaysTheTokenWasRejected() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A);
        TelegramSettings s = fast(fake, List.of(Fixtures.UNKNOWN_TOKEN), List.of(CHAT_A));
        BackendException e = assertThrows(BackendException.class,
                () -> store(s).put("n", randomFile(tmp, "p", 10, 1)));
        assertEquals(Kind.PERMANENT, e.kind());
        assertTrue(e.getMessage().contains("401"), e.getMessage());
        assertTrue(e.getMessage().contains("token was rejected"), e.getMessage());
    }

    // ------------------------------------------------------------------ transient failures

    @Test
    void injectedServerErrors_surfaceAsTransient() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A);
        TelegramBlobStore store = store(fast(fake));
        Path f = randomFile(tmp, "p", 1_000, 1);
        String ref = store.put("n", f);
        fake.setServerErrorRate(1.0);
        for (int i = 0; i < 6; i++) { // 500 with JSON and 502 with a proxy's HTML page, at random
            assertEquals(Kind.TRANSIENT, kindOf(() -> store.put("m", f)));
            assertEquals(Kind.TRANSIENT, kindOf(() -> store.get(ref, tmp.resolve("back"))));
            assertEquals(Kind.TRANSIENT, kindOf(store::getRoot));
        }
        assertTrue(store.status().chat(0, CHAT_A).transientFailures() >= 6);
        fake.setServerErrorRate(0);
        store.put("m", f);
        assertEquals(Map.of("m", 1L, "n", 1L), fake.documentCountsByName(), "failed puts stored nothing");
    }

    @Test
    void retryingTransientFailures_storesEveryObjectExactlyOnce() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A, CHAT_B);
        TelegramBlobStore store = store(fast(fake, List.of(TOKEN), List.of(CHAT_A, CHAT_B)));
        fake.setServerErrorRate(0.1);
        fake.setDropRate(0.1);
        Map<String, String> refs = new HashMap<>();
        int failures = 0;
        for (int i = 0; i < 20; i++) {
            Path f = randomFile(tmp, "p" + i, 2_000 + i, i);
            while (true) {
                try {
                    refs.put("n" + i, store.put("n" + i, f));
                    break;
                } catch (BackendException e) {
                    assertEquals(Kind.TRANSIENT, e.kind(), e.getMessage());
                    failures++;
                }
            }
        }
        assertTrue(failures > 0, "faults were injected");
        fake.setServerErrorRate(0);
        fake.setDropRate(0);
        assertEquals(20, fake.documentCountsByName().size());
        assertTrue(fake.documentCountsByName().values().stream().allMatch(n -> n == 1), "no duplicates");
        for (int i = 0; i < 20; i++) {
            store.get(refs.get("n" + i), tmp.resolve("back"));
            assertArrayEquals(Files.readAllBytes(tmp.resolve("p" + i)), Files.readAllBytes(tmp.resolve("back")));
        }
    }

    @Test
    void droppedConnections_surfaceAsTransient() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A);
        TelegramBlobStore store = store(fast(fake));
        Path f = randomFile(tmp, "p", 1_000, 1);
        String ref = store.put("n", f);
        fake.setDropRate(1.0);
        assertEquals(Kind.TRANSIENT, kindOf(() -> store.put("m", f)));
        assertEquals(Kind.TRANSIENT, kindOf(() -> store.get(ref, tmp.resolve("back"))));
        assertEquals(Kind.TRANSIENT, kindOf(() -> store.delete(ref)));
    }

    @Test
    void aServerThatDoesNotAnswerInTime_isTransient() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A);
        TelegramSettings s = fast(fake);
        s = new TelegramSettings(s.apiUrl(), s.botTokens(), s.chatIds(), 20, 1_000, 1_000, s.maxUploadBytes(),
                s.maxDownloadBytes(), Duration.ofMillis(300), s.failedChatRetryAfter());
        TelegramBlobStore store = store(s);
        fake.setLatency(Duration.ofMillis(1_000));
        BackendException e = assertThrows(BackendException.class, () -> store.put("n", randomFile(tmp, "p", 10, 1)));
        assertEquals(Kind.TRANSIENT, e.kind());
        assertTrue(e.getMessage().contains("no reply within"), e.getMessage());
    }

    @Test
    void anUnreachableServer_isTransient() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A);
        TelegramSettings s = fast(fake);
        fake.close();
        assertEquals(Kind.TRANSIENT, kindOf(() -> store(s).put("n", randomFile(tmp, "p", 10, 1))));
    }

    // ------------------------------------------------------------------ secrets

    @Test
    void tokens_neverAppearInExceptionsStatusOrLogs() throws Exception {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger)
                org.slf4j.LoggerFactory.getLogger("io.tgcryptfs.backend.telegram");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
                new ch.qos.logback.core.read.ListAppender<>();
        logs.start();
        ch.qos.logback.classic.Level level = logger.getLevel();
        logger.setLevel(ch.qos.logback.classic.Level.DEBUG);
        logger.addAppender(logs);
        closeables.add(() -> {
            logger.detachAppender(logs);
            logger.setLevel(level);
        });
        FakeBotApi fake = fastFake(CHAT_A, CHAT_B);
        fake.setRejectsBot(CHAT_B, true);
        TelegramSettings good = fast(fake, List.of(TOKEN), List.of(CHAT_A, CHAT_B));
        TelegramSettings unknown = fast(fake, List.of(Fixtures.UNKNOWN_TOKEN), List.of(CHAT_A));
        TelegramSettings slow = new TelegramSettings(good.apiUrl(), good.botTokens(), List.of(CHAT_A), 20, 1_000,
                1_000, good.maxUploadBytes(), good.maxDownloadBytes(), Duration.ofMillis(200),
                good.failedChatRetryAfter());
        TelegramSettings nowhere = new TelegramSettings(URI.create("http://127.0.0.1:1"), good.botTokens(),
                List.of(CHAT_A), 20, 1_000, 1_000, 1_000, 1_000, Duration.ofSeconds(2), Duration.ZERO);
        Path f = randomFile(tmp, "p", 100, 1);
        TelegramBlobStore store = store(good);
        String ref = store.put("n", f);

        List<BackendException> failures = new ArrayList<>();
        List<ThrowingRunnable> attempts = List.of(
                () -> store(unknown).put("n", f),                                  // 401
                () -> store(unknown).get(ref.replace("tg:111111", "tg:333333"), tmp.resolve("x")),
                () -> store(nowhere).put("n", f),                                  // connection refused
                () -> store(nowhere).get(ref, tmp.resolve("x")),
                () -> {
                    fake.setRejectsBot(CHAT_A, true);
                    try {
                        store(good).put("n", f);                                   // 403 in both chats
                    } finally {
                        fake.setRejectsBot(CHAT_A, false);
                    }
                },
                () -> {
                    fake.setServerErrorRate(1.0);
                    try {
                        store.get(ref, tmp.resolve("x"));                          // 500 / 502
                    } finally {
                        fake.setServerErrorRate(0);
                    }
                },
                () -> {
                    fake.setDropRate(1.0);
                    try {
                        store.put("n", f);                                         // dropped connection
                    } finally {
                        fake.setDropRate(0);
                    }
                },
                () -> {
                    fake.setLatency(Duration.ofMillis(600));
                    try {
                        store(slow).put("n", f);                                   // timeout
                    } finally {
                        fake.setLatency(Duration.ZERO);
                    }
                });
        for (ThrowingRunnable attempt : attempts) {
            try {
                attempt.run();
            } catch (BackendException e) {
                failures.add(e);
            }
        }
        assertEquals(attempts.size(), failures.size(), "every attempt failed");
        for (BackendException e : failures) {
            String text = Fixtures.fullText(e);
            assertFalse(text.contains(Fixtures.secretOf(TOKEN)), text);
            assertFalse(text.contains(Fixtures.secretOf(Fixtures.UNKNOWN_TOKEN)), text);
        }
        assertFalse(logs.list.isEmpty(), "the failures were logged");
        List<String> texts = new ArrayList<>(List.of(good.toString(), store.status().toString(), unknown.toString()));
        for (var event : logs.list) {
            texts.add(event.getFormattedMessage());
        }
        for (String text : texts) {
            assertFalse(text.contains(Fixtures.secretOf(TOKEN)), text);
            assertFalse(text.contains(Fixtures.secretOf(Fixtures.UNKNOWN_TOKEN)), text);
        }
    }

    // ------------------------------------------------------------------ check and lifecycle

    @Test
    void check_reportsEveryStepOk_forAWorkingConfiguration_andLeavesNoMessagesBehind() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A, CHAT_B);
        TelegramBlobStore store = store(fast(fake, List.of(TOKEN, TOKEN_2), List.of(CHAT_A, CHAT_B)));
        store.putRoot(new byte[] {9});
        List<CheckResult> results = store.check();
        assertTrue(results.stream().allMatch(CheckResult::ok), results.toString());
        for (String step : List.of("getMe", "post a message", "pin it", "upload a document", "download it",
                "delete it", "delete the document")) {
            assertTrue(results.stream().anyMatch(r -> r.step().equals(step)), step + " missing in " + results);
        }
        assertEquals(1, fake.messageCount(CHAT_A), "only the root record is left");
        assertEquals(0, fake.messageCount(CHAT_B));
        assertArrayEquals(new byte[] {9}, store.getRoot().orElseThrow(), "the root's pin survives the check");
    }

    @Test
    void check_namesTheReasonForARejectingChatAndARejectedToken() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A, CHAT_B);
        fake.setRejectsBot(CHAT_B, true);
        TelegramBlobStore store = store(fast(fake, List.of(TOKEN, Fixtures.UNKNOWN_TOKEN), List.of(CHAT_A, CHAT_B)));
        List<CheckResult> results = store.check();
        CheckResult chatB = results.stream().filter(r -> r.subject().equals("bot #0 / chat " + CHAT_B))
                .filter(r -> !r.ok()).findFirst().orElseThrow();
        assertTrue(chatB.detail().contains("Forbidden: bot is not a member of the channel chat"), chatB.toString());
        assertTrue(chatB.toString().startsWith("[FAIL]"));
        CheckResult token = results.stream().filter(r -> r.subject().equals("bot #1") && r.step().equals("getMe"))
                .findFirst().orElseThrow();
        assertEquals(CheckResult.Outcome.FAILED, token.outcome());
        assertTrue(token.detail().contains("Unauthorized"), token.toString());
        assertTrue(results.stream().anyMatch(r -> r.subject().equals("bot #0 / chat " + CHAT_A) && r.ok()
                && r.step().equals("delete it")));
    }

    @Test
    void check_warnsAboutLimitsAboveTheCloudApis() {
        TelegramSettings s = new TelegramSettings(URI.create("https://api.telegram.org"), List.of(TOKEN),
                List.of(CHAT_A), 5, 20, 30, 60_000_000, 25_000_000, Duration.ofSeconds(1), Duration.ZERO);
        List<CheckResult> results = new TelegramBlobStore(s, Clock.systemUTC(), Sleeper.REAL).checkSettings();
        long warnings = results.stream().filter(r -> r.outcome() == CheckResult.Outcome.WARNING).count();
        assertEquals(3, warnings, results.toString());
    }

    @Test
    void aClosedStore_refusesWork() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A);
        TelegramBlobStore store = store(fast(fake));
        store.close();
        assertEquals(Kind.PERMANENT, kindOf(() -> store.put("n", randomFile(tmp, "p", 10, 1))));
        assertEquals(Kind.PERMANENT, kindOf(store::getRoot));
    }

    @Test
    void theRootRecord_isBase64InThePinnedMessage() throws Exception {
        FakeBotApi fake = fastFake(CHAT_A);
        TelegramBlobStore store = store(fast(fake));
        store.putRoot(new byte[] {1, 2, 3, 4});
        assertEquals(TelegramBlobStore.ROOT_PREFIX + Base64.getEncoder().encodeToString(new byte[] {1, 2, 3, 4}),
                fake.pinnedText(CHAT_A).orElseThrow());
    }
}
