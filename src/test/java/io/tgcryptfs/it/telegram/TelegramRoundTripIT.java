package io.tgcryptfs.it.telegram;

import io.tgcryptfs.backend.telegram.fake.FakeBotApi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static io.tgcryptfs.it.telegram.TelegramVolume.MiB;
import static io.tgcryptfs.it.telegram.TelegramVolume.packNames;
import static io.tgcryptfs.it.telegram.TelegramVolume.writeSeeded;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole filesystem against the fake Bot API: what is written comes back from Telegram, byte for byte. */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TelegramRoundTripIT {

    @Test
    void dataWrittenThroughTheMount_readsBackFromTheServer_afterTheLocalCacheIsWiped() throws Exception {
        Map<String, String> props = new LinkedHashMap<>(TelegramVolume.UNPACED);
        props.put("pack.target-size", "4MiB");
        try (FakeBotApi api = TelegramVolume.fake().unlimited().start();
             TelegramVolume v = TelegramVolume.mount(api, props)) {
            Path dir = v.fs.newDir("roundtrip");
            Map<Path, String> sums = new LinkedHashMap<>();
            sums.put(dir.resolve("a.bin"), writeSeeded(dir.resolve("a.bin"), 9L * MiB + 17, 1));
            sums.put(dir.resolve("b.bin"), writeSeeded(dir.resolve("b.bin"), 5L * MiB, 2));
            sums.put(dir.resolve("c.bin"), writeSeeded(dir.resolve("c.bin"), 300_001, 3));
            Files.writeString(dir.resolve("small.txt"), "hello telegram\n");
            sums.put(dir.resolve("small.txt"), TelegramVolume.sha256(dir.resolve("small.txt")));

            v.sync();

            assertEquals(Set.of(), packNames(v.outboxDir()), "packs still in the outbox after sync");
            Set<String> packs = packNames(v.cacheDir());
            TelegramVolume.assertNotEmpty(packs, "uploaded packs in the cache");
            v.assertEveryPackStoredExactlyOnce(packs);
            assertEquals(1, v.rootMessages().size(), "root messages in the chat: " + v.rootMessages());

            v.unmountAndClearCache();
            long downloadsBefore = api.requests("file");
            long getFileBefore = api.requests("getFile");

            v.fs.start();
            TelegramVolume.assertReadsBack(sums, "after cache clear and remount");

            long downloads = api.requests("file") - downloadsBefore;
            assertTrue(downloads >= packs.size(), "downloads from the server (" + downloads + ") cover the "
                    + packs.size() + " packs");
            assertTrue(api.requests("getFile") - getFileBefore >= packs.size(), "getFile calls cover every pack");
            assertTrue(packNames(v.cacheDir()).containsAll(packs), "every pack was downloaded into the cache again");
            System.out.printf("[TelegramRoundTripIT] %d packs uploaded, %d downloads after remount, requests %s%n",
                    packs.size(), downloads, api.requestsByMethod());
        }
    }
}
