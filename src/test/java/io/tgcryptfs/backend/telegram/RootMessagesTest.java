package io.tgcryptfs.backend.telegram;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backend.BackendException.Kind;
import io.tgcryptfs.backend.telegram.fake.FakeBotApi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Base64;
import java.util.List;

import static io.tgcryptfs.backend.telegram.Fixtures.CHAT_A;
import static io.tgcryptfs.backend.telegram.Fixtures.CHAT_B;
import static io.tgcryptfs.backend.telegram.Fixtures.TOKEN;
import static io.tgcryptfs.backend.telegram.Fixtures.fast;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Root records converge on one message in the chat: each publish deletes the root pinned before it. */
class RootMessagesTest {
    private final Harness h = new Harness();

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    private static String message(byte[] root) {
        return TelegramBlobStore.ROOT_PREFIX + Base64.getEncoder().encodeToString(root);
    }

    @Test
    void twoPublishes_leaveOnlyTheNewestRootMessage_whichGetRootReturns() throws Exception {
        FakeBotApi fake = h.fake(CHAT_A, CHAT_B);
        TelegramSettings settings = fast(fake, List.of(TOKEN), List.of(CHAT_A, CHAT_B));
        TelegramBlobStore store = h.store(settings);
        byte[] oldHeader = {1, 1, 1}; // say, the master key wrapped under the old password
        byte[] newHeader = {2, 2, 2}; // and under the new one, after `passwd`
        store.putRoot(oldHeader);
        store.putRoot(newHeader);

        assertEquals(List.of(message(newHeader)), fake.textMessages(CHAT_A), "the old root message is gone");
        assertEquals(1, fake.messageCount(CHAT_A));
        assertArrayEquals(newHeader, store.getRoot().orElseThrow());
        assertArrayEquals(newHeader, h.store(settings).getRoot().orElseThrow(), "a new machine sees it too");
        assertEquals(0, fake.messageCount(CHAT_B));
    }

    @Test
    void aPinnedMessageThatIsNotARoot_isLeftAlone() throws Exception {
        FakeBotApi fake = h.fake(CHAT_A);
        TelegramSettings settings = fast(fake);
        BotApiClient client = new BotApiClient(BotApiClient.newHttpClient(Duration.ofSeconds(5)), settings.apiUrl(),
                TOKEN, Duration.ofSeconds(5), "bot #0");
        client.pinChatMessage(CHAT_A, client.sendMessage(CHAT_A, "welcome to my channel"));
        TelegramBlobStore store = h.store(settings);
        store.putRoot(new byte[] {1});
        store.putRoot(new byte[] {2});
        assertEquals(List.of("welcome to my channel", message(new byte[] {2})), fake.textMessages(CHAT_A));
        assertArrayEquals(new byte[] {2}, store.getRoot().orElseThrow());
    }

    @Test
    void aRootMessageThatCouldNotBeDeletedForNow_isDeletedAfterTheNextPublish() throws Exception {
        FakeBotApi fake = h.fake(CHAT_A);
        TelegramBlobStore store = h.store(fast(fake));
        store.putRoot(new byte[] {1});
        fake.failNext("deleteMessage", 1, 3);

        store.putRoot(new byte[] {2}); // the delete is answered 429: not a failure of the publish

        assertEquals(List.of(message(new byte[] {1}), message(new byte[] {2})), fake.textMessages(CHAT_A));
        assertArrayEquals(new byte[] {2}, store.getRoot().orElseThrow());
        store.putRoot(new byte[] {3});
        assertEquals(List.of(message(new byte[] {3})), fake.textMessages(CHAT_A));
        assertEquals(0, fake.pauseViolations());
    }

    @Test
    void fiveRefusedPinsInARow_leaveTheOldRootInForce_thenExactlyOneRootMessage() throws Exception {
        FakeBotApi fake = h.fake(CHAT_A);
        TelegramBlobStore store = h.store(fast(fake));
        store.putRoot(new byte[] {0});
        fake.failNext("pinChatMessage", 5, 2);
        int refused = 0;
        while (true) {
            try {
                store.putRoot(new byte[] {1});
                break;
            } catch (BackendException e) {
                assertEquals(Kind.RATE_LIMITED, e.kind(), e.getMessage());
                refused++;
                assertArrayEquals(new byte[] {0}, store.getRoot().orElseThrow(), "the old root stays in force");
            }
        }
        assertEquals(5, refused);
        assertEquals(List.of(message(new byte[] {1})), fake.textMessages(CHAT_A));
        assertArrayEquals(new byte[] {1}, store.getRoot().orElseThrow());
        assertEquals(0, fake.pauseViolations());
    }

    @Test
    void aRootMessageTelegramWillNotDelete_isLoggedWithoutTheToken_andThePublishSucceeds() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(TelegramBlobStore.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        logger.addAppender(logs);
        try {
            FakeBotApi fake = h.fake(FakeBotApi.builder().bot(TOKEN).chat(CHAT_A).unlimited()
                    .deleteAgeLimit(Duration.ofHours(48)));
            TelegramBlobStore store = h.store(fast(fake));
            store.putRoot(new byte[] {1});
            h.clock.advance(Duration.ofHours(49));

            store.putRoot(new byte[] {2});

            assertEquals(List.of(message(new byte[] {1}), message(new byte[] {2})), fake.textMessages(CHAT_A));
            assertArrayEquals(new byte[] {2}, store.getRoot().orElseThrow());
            List<ILoggingEvent> warnings = logs.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
            assertEquals(1, warnings.size(), warnings.toString());
            String text = warnings.get(0).getFormattedMessage();
            assertTrue(text.contains("could not delete the earlier root message 1 in chat " + CHAT_A), text);
            assertTrue(text.contains("message can't be deleted"), text);
            for (ILoggingEvent e : logs.list) {
                assertFalse(e.getFormattedMessage().contains(Fixtures.secretOf(TOKEN)), e.getFormattedMessage());
            }
            store.putRoot(new byte[] {3});
            assertEquals(List.of(message(new byte[] {1}), message(new byte[] {3})), fake.textMessages(CHAT_A));
            assertEquals(1, logs.list.stream().filter(e -> e.getLevel() == Level.WARN).count(),
                    "a refusal for good is reported once, not at every publish");
        } finally {
            logger.detachAppender(logs);
        }
    }
}
