package io.tgcryptfs.it.telegram;

import io.tgcryptfs.backend.telegram.fake.FakeBotApi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static io.tgcryptfs.it.telegram.TelegramVolume.MiB;
import static io.tgcryptfs.it.telegram.TelegramVolume.packNames;
import static io.tgcryptfs.it.telegram.TelegramVolume.writeSeeded;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Flaky servers and networks cost retries, never data and never duplicates. */
@Timeout(value = 400, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TelegramFaultsIT {
    static final int SYNC_ATTEMPTS = 30;

    @Test
    void withTwentyPercentServerErrorsAndDroppedConnections_everyPackIsStoredExactlyOnce_andReadsBack() throws Exception {
        Map<String, String> props = new LinkedHashMap<>(TelegramVolume.UNPACED);
        props.put("pack.target-size", "2MiB");
        props.put("upload.retry.min-backoff", "100ms");
        props.put("upload.retry.max-backoff", "1s");
        try (FakeBotApi api = TelegramVolume.fake().unlimited().seed(20).start();
             TelegramVolume v = TelegramVolume.mount(api, props)) {
            api.setServerErrorRate(0.10); // half 500 JSON, half 502 HTML
            api.setDropRate(0.10);

            Path dir = v.fs.newDir("faults");
            Map<Path, String> sums = new LinkedHashMap<>();
            sums.put(dir.resolve("one.bin"), writeSeeded(dir.resolve("one.bin"), 20L * MiB, 11));
            sums.put(dir.resolve("two.bin"), writeSeeded(dir.resolve("two.bin"), 13L * MiB + 5, 12));
            sums.put(dir.resolve("three.bin"), writeSeeded(dir.resolve("three.bin"), 7L * MiB, 13));

            // pack uploads retry forever inside the mount; the metadata backup at the end of a sync may not
            int attempts = v.syncUntilItSucceeds(SYNC_ATTEMPTS, "TelegramFaultsIT");
            String status = v.status();
            v.faultsOff();

            assertEquals(Set.of(), packNames(v.outboxDir()), "packs still in the outbox after sync");
            Set<String> packs = packNames(v.cacheDir());
            TelegramVolume.assertNotEmpty(packs, "uploaded packs in the cache");
            v.assertEveryPackStoredExactlyOnce(packs);
            long failedSends = api.requests("sendDocument") - api.documentsEverStored();
            System.out.printf("[TelegramFaultsIT] %d packs; %d sendDocument requests for %d stored documents;"
                            + " sync took %d attempt(s); requests %s%n%s%n",
                    packs.size(), api.requests("sendDocument"), api.documentsEverStored(), attempts,
                    api.requestsByMethod(), status);
            assertTrue(failedSends > 0, "the injected faults hit no upload; the test proves nothing");
            assertTrue(status.contains("retries by cause:") && status.contains("transient"),
                    "status reports the retries by cause:\n" + status);

            v.unmountAndClearCache();
            v.fs.start();
            TelegramVolume.assertReadsBack(sums, "after uploads under faults, cache clear and remount");
            assertTrue(packNames(v.cacheDir()).containsAll(packs), "every pack was downloaded from the server again");
        }
    }
}
