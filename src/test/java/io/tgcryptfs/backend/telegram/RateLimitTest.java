package io.tgcryptfs.backend.telegram;

import io.tgcryptfs.backend.Sleeper;
import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backend.BackendException.Kind;
import io.tgcryptfs.backend.telegram.fake.FakeBotApi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static io.tgcryptfs.backend.telegram.Fixtures.CHAT_A;
import static io.tgcryptfs.backend.telegram.Fixtures.CHAT_B;
import static io.tgcryptfs.backend.telegram.Fixtures.TOKEN;
import static io.tgcryptfs.backend.telegram.Fixtures.fast;
import static io.tgcryptfs.backend.telegram.Fixtures.randomFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the store does after Telegram answers 429: the whole bot waits out retry_after, whatever the request,
 * and the lane that got it sends more slowly for a while. Client and fake share one fake clock, so times are
 * exact and nothing sleeps.
 */
class RateLimitTest {
    private static final long BOT = 111111L;

    @TempDir
    Path tmp;

    private final Harness h = new Harness();

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    @Test
    void afterA429WithRetryAfterN_theBotSendsNothingToAnyChat_forNSeconds() throws Exception {
        FakeBotApi fake = h.fake(CHAT_A, CHAT_B);
        TelegramBlobStore store = h.store(fast(fake, List.of(TOKEN), List.of(CHAT_A, CHAT_B)));
        Path f = randomFile(tmp, "p", 1_000, 1);
        String ref = store.put("before", f);
        store.putRoot(new byte[] {1});

        fake.failNext("sendDocument", 1, 5);
        BackendException e = assertThrows(BackendException.class, () -> store.put("refused", f));
        assertEquals(Kind.RATE_LIMITED, e.kind());
        Instant limitedAt = h.clock.instant();
        for (long chat : List.of(CHAT_A, CHAT_B)) {
            assertEquals(limitedAt.plusSeconds(5), store.status().chat(0, chat).pausedUntil(), "chat " + chat);
        }
        int logged = fake.requestLog().size();

        // every kind of request the store makes, those that spend no chat's quota first: a download, the
        // root, a delete, a document to either chat, a root publish
        store.get(ref, tmp.resolve("back"));
        assertArrayEquals(new byte[] {1}, store.getRoot().orElseThrow());
        store.delete(ref);
        store.put("after", f);
        store.put("after2", f);
        store.putRoot(new byte[] {2});

        List<FakeBotApi.Request> after = fake.requestLog().subList(logged, fake.requestLog().size());
        assertEquals(List.of("getFile", "file", "getChat", "deleteMessage", "sendDocument", "sendDocument", "getChat",
                        "sendMessage", "pinChatMessage", "deleteMessage"),
                after.stream().map(FakeBotApi.Request::method).toList());
        for (FakeBotApi.Request r : after) {
            assertEquals(BOT, r.botId());
            assertFalse(r.at().isBefore(limitedAt.plusSeconds(5)), r + " went out during the pause");
            assertEquals(200, r.status(), r.toString());
        }
        assertEquals(Set.of(CHAT_A, CHAT_B), after.stream().filter(r -> r.method().equals("sendDocument"))
                .map(FakeBotApi.Request::chatId).collect(Collectors.toSet()), "both chats waited");
        assertEquals(1, fake.rateLimitedTotal(), "only the injected 429");
        assertEquals(0, fake.pauseViolations());
        assertEquals(0, fake.pauseRefusals());
    }

    @Test
    void aRequestAlreadyWaitingForItsSlot_waitsOutAPauseThatBeganMeanwhile() throws Exception {
        FakeBotApi fake = h.fake(CHAT_A);
        // while the second put waits for its slot a second away, a delete of the same bot is answered 429
        AtomicReference<Runnable> duringNextSleep = new AtomicReference<>();
        Sleeper sleeper = d -> {
            Runnable hook = duringNextSleep.getAndSet(null);
            if (hook != null) {
                hook.run();
            }
            h.clock.advance(d);
        };
        TelegramBlobStore store = h.store(fast(fake).withRates(1, 1_000, 1_000), sleeper);
        Path f = randomFile(tmp, "p", 1_000, 1);
        String first = store.put("first", f);
        Instant start = h.clock.instant();
        List<Instant> pauseEnd = new ArrayList<>();
        duringNextSleep.set(() -> {
            fake.failNext("deleteMessage", 1, 5);
            BackendException e = assertThrows(BackendException.class, () -> store.delete(first));
            assertEquals(Kind.RATE_LIMITED, e.kind());
            pauseEnd.add(h.clock.instant().plusSeconds(5));
        });

        store.put("second", f);

        assertEquals(1, pauseEnd.size(), "the 429 came while the put waited");
        assertTrue(pauseEnd.get(0).isBefore(start.plusSeconds(6)));
        List<Instant> sends = fake.acceptedSendTimes(CHAT_A);
        assertEquals(2, sends.size());
        assertFalse(sends.get(1).isBefore(pauseEnd.get(0)),
                "the put that had reserved " + start.plusSeconds(1) + " went out at " + sends.get(1)
                        + ", before the pause ended at " + pauseEnd.get(0));
        assertEquals(0, fake.pauseViolations());
        assertEquals(0, fake.pauseRefusals());
    }

    @Test
    void aPacingMargin_spacesAChatsSendsThatMuchWider_thanBothLimitsAllow() throws Exception {
        FakeBotApi fake = h.fake(CHAT_A);
        TelegramSettings exact = fast(fake).withRates(1, 3, 1_000); // 1 s apart, 3 in any minute
        TelegramSettings margin = new TelegramSettings(exact.apiUrl(), exact.botTokens(), exact.chatIds(), 1, 3, 1_000,
                exact.maxUploadBytes(), exact.maxDownloadBytes(), exact.requestTimeout(), exact.failedChatRetryAfter(), 0.05);
        TelegramBlobStore store = h.store(margin);
        Path f = randomFile(tmp, "p", 100, 1);
        for (int i = 0; i < 4; i++) {
            store.put("p" + i, f);
        }
        List<Instant> t = fake.acceptedSendTimes(CHAT_A);
        assertEquals(Duration.ofMillis(1_050), Duration.between(t.get(0), t.get(1)));
        assertEquals(Duration.ofMillis(1_050), Duration.between(t.get(1), t.get(2)));
        assertEquals(Duration.ofSeconds(63), Duration.between(t.get(0), t.get(3)), "the minute's window, 5 % longer");
        assertEquals(0, fake.rateLimitedTotal());
    }

    @Test
    void aLanesSpacing_widensAfterA429_andRelaxesAfterSuccesses_neverBelowTheConfiguredRate() throws Exception {
        FakeBotApi fake = h.fake(CHAT_A);
        TelegramBlobStore store = h.store(fast(fake).withRates(1, 1_000, 1_000)); // 1 s apart per chat
        Path f = randomFile(tmp, "p", 100, 1);
        store.put("p0", f);
        fake.failNext("sendDocument", 1, 1);
        assertEquals(Kind.RATE_LIMITED, assertThrows(BackendException.class, () -> store.put("p1", f)).kind());
        Instant refused = h.clock.instant();
        assertEquals(1, Duration.between(fake.acceptedSendTimes(CHAT_A).get(0), refused).toSeconds(),
                "the refused send kept the configured spacing");

        for (int i = 0; i < 12; i++) {
            store.put("q" + i, f);
        }

        List<Instant> t = fake.acceptedSendTimes(CHAT_A);
        assertEquals(13, t.size());
        assertEquals(Duration.ofSeconds(2), Duration.between(refused, t.get(1)),
                "after the 429 the spacing doubled (the 1 s pause alone would have allowed 1 s)");
        List<Duration> gaps = new ArrayList<>();
        for (int i = 2; i < t.size(); i++) {
            gaps.add(Duration.between(t.get(i - 1), t.get(i)));
        }
        assertEquals(Duration.ofMillis(1_800), gaps.get(0), "each accepted send narrows the spacing by 10 %");
        for (int i = 1; i < gaps.size(); i++) {
            Duration before = gaps.get(i - 1);
            Duration gap = gaps.get(i);
            assertTrue(gap.compareTo(Duration.ofSeconds(1)) >= 0, "below the configured rate: " + gaps);
            if (before.compareTo(Duration.ofSeconds(1)) > 0) {
                assertTrue(gap.compareTo(before) < 0, "does not relax: " + gaps);
            }
        }
        assertEquals(Duration.ofSeconds(1), gaps.get(gaps.size() - 1), "back at the configured rate: " + gaps);
        assertEquals(0, fake.pauseViolations());
    }
}
