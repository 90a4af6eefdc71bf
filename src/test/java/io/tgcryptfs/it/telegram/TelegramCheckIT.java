package io.tgcryptfs.it.telegram;

import io.tgcryptfs.backend.telegram.fake.FakeBotApi;
import io.tgcryptfs.it.ToolResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `tgcryptfs telegram check` against the fake Bot API: passes when all is well, names the chat that refuses. */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TelegramCheckIT {

    @Test
    void check_passes_thenReportsAChatThatRejectsTheBot_withoutPrintingTheToken() throws Exception {
        try (FakeBotApi api = TelegramVolume.fake().unlimited().start();
             TelegramVolume v = TelegramVolume.mount(api, TelegramVolume.UNPACED)) {
            String ok = v.fs.cli("telegram", "check").assertOk().stdout();
            assertTrue(ok.contains("telegram check: ok"), ok);

            api.setRejectsBot(TelegramVolume.CHAT_B, true);
            ToolResult refused = v.fs.cli("telegram", "check");
            assertNotEquals(0, refused.exitCode(), refused.stdout());
            assertTrue(refused.stdout().contains(String.valueOf(TelegramVolume.CHAT_B)), refused.stdout());
            assertTrue(refused.stdout().contains("Forbidden"), refused.stdout());
            assertFalse((refused.stdout() + refused.stderr()).contains("fake-bot-token"), "the token never appears");
            api.setRejectsBot(TelegramVolume.CHAT_B, false);
        }
    }
}
