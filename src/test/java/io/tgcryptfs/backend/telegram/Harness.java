package io.tgcryptfs.backend.telegram;

import io.tgcryptfs.testing.ManualClock;
import io.tgcryptfs.backend.Sleeper;
import io.tgcryptfs.backend.telegram.fake.FakeBotApi;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A fake Bot API and stores that share one {@link ManualClock}: sleeping advances the clock the server
 * stamps requests with, so pacing tests are exact and take no real time. Closes everything it made.
 */
final class Harness implements AutoCloseable {
    final ManualClock clock = new ManualClock();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    /**
     * A strict fake with both test bots and {@code chats}: no grace after a 429 (no time passes in flight on
     * this clock), rates far above the store's so that only injected 429s happen.
     */
    FakeBotApi fake(long... chats) throws IOException {
        FakeBotApi.Builder b = FakeBotApi.builder().bot(Fixtures.TOKEN).bot(Fixtures.TOKEN_2).clock(clock)
                .pauseGrace(Duration.ZERO).unlimited();
        for (long c : chats) {
            b.chat(c);
        }
        return add(b.start());
    }

    FakeBotApi fake(FakeBotApi.Builder builder) throws IOException {
        return add(builder.clock(clock).pauseGrace(Duration.ZERO).start());
    }

    /** A store on the shared clock, whose sleeper advances it. */
    TelegramBlobStore store(TelegramSettings settings) {
        return add(new TelegramBlobStore(settings, clock, clock.sleeper()));
    }

    /** A store on the shared clock with another sleeper (to act while a request waits). */
    TelegramBlobStore store(TelegramSettings settings, Sleeper sleeper) {
        return add(new TelegramBlobStore(settings, clock, sleeper));
    }

    private <T extends AutoCloseable> T add(T c) {
        closeables.add(c);
        return c;
    }

    @Override
    public void close() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }
}
