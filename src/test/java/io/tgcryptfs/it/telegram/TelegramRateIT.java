package io.tgcryptfs.it.telegram;

import io.tgcryptfs.backend.telegram.fake.FakeBotApi;
import io.tgcryptfs.backend.telegram.fake.FakeBotApi.AcceptedSend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.tgcryptfs.it.telegram.TelegramVolume.CHATS;
import static io.tgcryptfs.it.telegram.TelegramVolume.MiB;
import static io.tgcryptfs.it.telegram.TelegramVolume.packNames;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Uploads keep Telegram's message rate busy without going over it. Sizes are configurable for slow
 * machines: {@code -Dtgcryptfs.it.telegram.rate.mib} (default 256, the number) and
 * {@code -Dtgcryptfs.it.telegram.rate.pack-size} (default 4MiB, so the run has ~64 sends to measure).
 */
@Timeout(value = 600, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TelegramRateIT {
    static final double PER_CHAT_PER_SECOND = 1.0;
    static final long TOTAL_MIB = Long.getLong("tgcryptfs.it.telegram.rate.mib", 256);
    static final String PACK_SIZE = System.getProperty("tgcryptfs.it.telegram.rate.pack-size", "4MiB");

    @Test
    void atOneMessagePerSecondPerChat_aBigWriteUsesAtLeastNinetyPercentOfTheAllowedRate_andNeverExceedsIt() throws Exception {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("backend.telegram.per-chat-messages-per-second", Double.toString(PER_CHAT_PER_SECOND));
        props.put("backend.telegram.per-chat-messages-per-minute", "60");
        props.put("upload.concurrency", "4");
        props.put("pack.target-size", PACK_SIZE);
        try (FakeBotApi api = TelegramVolume.fake().perChatPerSecond(PER_CHAT_PER_SECOND).perChatPerMinute(60)
                .perBotPerSecond(30).start();
             TelegramVolume v = TelegramVolume.mount(api, props)) {
            Path file = v.fs.newDir("rate").resolve("big.bin");
            Instant writeStart = Instant.now();
            long t0 = System.nanoTime();
            TelegramVolume.writeSeeded(file, TOTAL_MIB * MiB, 42);
            long t1 = System.nanoTime();
            v.sync();
            long t2 = System.nanoTime();

            List<AcceptedSend> sends = api.acceptedSends().stream()
                    .filter(s -> s.method().equals("sendDocument") && !s.at().isBefore(writeStart)).toList();
            assertTrue(sends.size() >= 4, "too few uploads to measure: " + sends.size());
            Instant first = sends.get(0).at();
            Instant last = sends.get(sends.size() - 1).at();
            double span = Duration.between(first, last).toNanos() / 1e9;
            Map<Long, Long> perChat = new LinkedHashMap<>();
            for (long chat : CHATS) {
                perChat.put(chat, sends.stream().filter(s -> s.chatId() == chat).count());
            }
            // Achieved over allowed message rate across the upload span. Counting intervals between sends
            // (a chat's first send opens its series) rather than sends keeps the fencepost from inflating
            // the ratio: a perfect run of n sends in 2 chats scores (n - 2) / (n - 1).
            long intervals = perChat.values().stream().mapToLong(n -> Math.max(0, n - 1)).sum();
            double allowed = span * CHATS.size() * PER_CHAT_PER_SECOND;
            double utilization = intervals / allowed;
            double naive = sends.size() / allowed;
            Set<String> packs = packNames(v.cacheDir());
            System.out.printf("[TelegramRateIT] %d MiB, packs %s: write %.1f s, sync %.1f s; %d packs; %d uploads"
                            + " (per chat %s) over %.2f s: utilization %.3f (intervals/(span*chats*rate); sends/(span*chats*rate)"
                            + " = %.3f), %.2f MiB/s; 429s per chat %s%n",
                    TOTAL_MIB, PACK_SIZE, (t1 - t0) / 1e9, (t2 - t1) / 1e9, packs.size(), sends.size(), perChat, span,
                    utilization, naive, TOTAL_MIB / span,
                    Map.of(CHATS.get(0), api.rateLimited(CHATS.get(0)), CHATS.get(1), api.rateLimited(CHATS.get(1))));

            assertTrue(utilization >= 0.9, String.format("uploads used %.3f of the allowed message rate (%d sends,"
                    + " %.1f allowed in %.2f s)", utilization, sends.size(), allowed, span));
            for (long chat : CHATS) {
                // at most the first 429 of a chat is acceptable: after it, no request may go beyond the limit
                assertTrue(api.rateLimited(chat) <= 1, "429s in chat " + chat + ": " + api.rateLimited(chat));
                assertSpacedByTheLimit(api.acceptedSendTimes(chat), chat);
            }
            assertEquals(0, api.pauseViolations(), "requests sent while Telegram had said to wait");
            assertEquals(Set.of(), packNames(v.outboxDir()), "packs still in the outbox after sync");
            v.assertEveryPackStoredExactlyOnce(packs);
        }
    }

    /** The server accepted no two sends in one chat closer than the limit allows (less the fake's 100 ms slack). */
    private static void assertSpacedByTheLimit(List<Instant> times, long chat) {
        Duration min = Duration.ofMillis(Math.round(1000 / PER_CHAT_PER_SECOND) - 100);
        for (int i = 1; i < times.size(); i++) {
            Duration gap = Duration.between(times.get(i - 1), times.get(i));
            assertTrue(gap.compareTo(min) >= 0, "sends " + (i - 1) + " and " + i + " in chat " + chat
                    + " only " + gap.toMillis() + " ms apart");
        }
    }
}
