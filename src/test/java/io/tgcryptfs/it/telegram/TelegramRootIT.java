package io.tgcryptfs.it.telegram;

import io.tgcryptfs.backend.telegram.fake.FakeBotApi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.tgcryptfs.it.telegram.TelegramVolume.CHAT_A;
import static io.tgcryptfs.it.telegram.TelegramVolume.MiB;
import static io.tgcryptfs.it.telegram.TelegramVolume.writeSeeded;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The root chat converges on one root record: publishes refused with 429 leave no extra root messages once
 * one succeeds, nothing is sent while Telegram said to wait, and after {@code passwd} the root message
 * holding the master key wrapped under the old password is gone.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TelegramRootIT {
    static final String NEW_PASSWORD = "the new one";

    @Test
    void refusedPins_andAPasswordChange_leaveOneRootMessage_withTheNewHeader() throws Exception {
        Map<String, String> props = new LinkedHashMap<>(TelegramVolume.UNPACED);
        props.put("pack.target-size", "4MiB");
        try (FakeBotApi api = TelegramVolume.fake().unlimited().start();
             TelegramVolume v = TelegramVolume.mount(api, props)) {
            Path file = v.fs.newDir("root").resolve("data.bin");
            Map<Path, String> sums = new LinkedHashMap<>();
            sums.put(file, writeSeeded(file, 3L * MiB, 31));
            v.sync();
            assertEquals(1, v.rootMessages().size(), "root messages after one sync: " + v.rootMessages());

            api.failNext("pinChatMessage", 2, 1);
            int attempts = v.syncUntilItSucceeds(10, "TelegramRootIT");
            List<String> roots = v.rootMessages();
            System.out.printf("[TelegramRootIT] sync with two refused pins took %d attempt(s); requests %s%n",
                    attempts, api.requestsByMethod());
            assertEquals(1, roots.size(), "root messages after refused publishes: " + roots);
            assertEquals(0, api.pauseViolations(), "requests sent while Telegram had said to wait");

            v.fs.stop();
            String beforePasswd = v.rootMessages().get(0);
            Path newPassword = v.fs.workDir().resolve("new-password");
            Files.writeString(newPassword, NEW_PASSWORD + "\n");
            v.fs.cli("passwd", "--new-password-file", newPassword.toString()).assertOk();

            List<String> after = v.rootMessages();
            assertEquals(1, after.size(), "root messages after passwd: " + after);
            assertNotEquals(beforePasswd, after.get(0), "passwd published a new header");
            assertFalse(api.textMessages(CHAT_A).contains(beforePasswd),
                    "the root wrapped under the old password is still in the chat");
            assertEquals(0, api.pauseViolations());

            v.fs.withPassword(NEW_PASSWORD).start();
            TelegramVolume.assertReadsBack(sums, "after passwd");
        }
    }

    @Test
    void fiveRootPublishesAnswered429_syncStillReturns0_andEachMetadataObjectIsStoredOnce() throws Exception {
        Map<String, String> props = new LinkedHashMap<>(TelegramVolume.UNPACED);
        props.put("pack.target-size", "4MiB");
        try (FakeBotApi api = TelegramVolume.fake().unlimited().start();
             TelegramVolume v = TelegramVolume.mount(api, props)) {
            Path file = v.fs.newDir("root429").resolve("data.bin");
            Map<Path, String> sums = new LinkedHashMap<>();
            sums.put(file, writeSeeded(file, 6L * MiB, 32));
            api.failNext("pinChatMessage", 5, 1);

            v.sync(); // one sync: the root alone is retried after each announced pause

            assertEquals(1, v.rootMessages().size(), "root messages: " + v.rootMessages());
            assertEquals(0, api.pauseViolations(), "requests sent while Telegram had said to wait");
            api.documentCountsByName().forEach((name, copies) ->
                    assertEquals(1L, copies, () -> "object " + name + " is stored " + copies + " times"));
            v.fs.stop();
            v.fs.start();
            TelegramVolume.assertReadsBack(sums, "after five refused root publishes");
        }
    }
}
