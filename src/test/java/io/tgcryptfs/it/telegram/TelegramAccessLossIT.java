package io.tgcryptfs.it.telegram;

import io.tgcryptfs.backend.telegram.fake.FakeBotApi;
import io.tgcryptfs.it.MountFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static io.tgcryptfs.it.telegram.TelegramVolume.CHATS;
import static io.tgcryptfs.it.telegram.TelegramVolume.MiB;
import static io.tgcryptfs.it.telegram.TelegramVolume.packNames;
import static io.tgcryptfs.it.telegram.TelegramVolume.writeSeeded;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Losing the bot's access stops uploads without losing anything, says why, and heals when access returns. */
@Timeout(value = 400, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TelegramAccessLossIT {
    static final String REASON = "Forbidden: bot is not a member of the channel chat";

    @Test
    void removingTheBotMidUpload_keepsTheDataInTheOutbox_showsTheReasonInStatus_andResumesWhenAccessReturns()
            throws Exception {
        Map<String, String> props = new LinkedHashMap<>();
        // 1 message/s per chat makes the upload of 16 packs take ~8 s, long enough to cut it in the middle
        props.put("backend.telegram.per-chat-messages-per-second", "1.0");
        props.put("backend.telegram.per-chat-messages-per-minute", "60");
        props.put("backend.telegram.failed-chat-retry-after", "2s");
        props.put("upload.retry.max-backoff", "2s");
        props.put("pack.target-size", "4MiB");
        try (FakeBotApi api = TelegramVolume.fake().perChatPerSecond(1.0).perChatPerMinute(60).start();
             TelegramVolume v = TelegramVolume.mount(api, props)) {
            Path dir = v.fs.newDir("access");
            Map<Path, String> sums = new LinkedHashMap<>();
            long documentsAtStart = api.documentsEverStored();
            sums.put(dir.resolve("big.bin"), writeSeeded(dir.resolve("big.bin"), 64L * MiB, 21));

            MountFixture.await("two packs on the server", Duration.ofSeconds(60),
                    () -> api.documentsEverStored() - documentsAtStart >= 2);
            CHATS.forEach(c -> api.setRejectsBot(c, true));
            long storedWhenCut = api.documentsEverStored();

            // writes go on while uploads cannot: they land in the outbox
            sums.put(dir.resolve("while-blocked.bin"), writeSeeded(dir.resolve("while-blocked.bin"), 6L * MiB, 22));

            String[] status = new String[1];
            MountFixture.await("`tgcryptfs status` to show why uploads stopped", Duration.ofSeconds(60), () -> {
                status[0] = v.status();
                return status[0].contains("uploads: blocked") && status[0].contains(REASON);
            });
            Set<String> waiting = packNames(v.outboxDir());
            assertTrue(waiting.size() >= 2, "packs waiting in the outbox while blocked: " + waiting);
            Set<String> uploaded = packNames(v.cacheDir());
            assertEquals(storedWhenCut, api.documentsEverStored(), "documents stored after access was cut");
            Set<String> onServer = api.documentCountsByName().keySet();
            assertTrue(onServer.containsAll(uploaded), "every pack moved out of the outbox is on the server");
            Set<String> lost = new TreeSet<>(waiting);
            lost.retainAll(onServer);
            assertEquals(Set.of(), lost, "packs both in the outbox and on the server");
            System.out.printf("[TelegramAccessLossIT] blocked with %d packs in the outbox, %d uploaded; status:%n%s%n",
                    waiting.size(), uploaded.size(), status[0]);

            CHATS.forEach(c -> api.setRejectsBot(c, false));
            long t0 = System.nanoTime();
            v.sync();
            System.out.printf("[TelegramAccessLossIT] after access returned, sync took %.1f s%n", (System.nanoTime() - t0) / 1e9);
            assertEquals(Set.of(), packNames(v.outboxDir()), "packs still in the outbox after sync");
            Set<String> packs = packNames(v.cacheDir());
            assertTrue(packs.containsAll(waiting), "every pack that waited was uploaded");
            v.assertEveryPackStoredExactlyOnce(packs);
            String after = v.status();
            assertTrue(after.contains("uploads: running"), "status after access returned:\n" + after);

            v.unmountAndClearCache();
            v.fs.start();
            TelegramVolume.assertReadsBack(sums, "after access returned, cache clear and remount");
        }
    }
}
