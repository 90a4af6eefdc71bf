/**
 * A fake Telegram Bot API server for tests ({@link io.tgcryptfs.backend.telegram.fake.FakeBotApi}): loopback
 * HTTP, documents on disk, Telegram's rate and size limits, injectable faults and counters to assert on.
 * Test code only; other packages' tests (pipeline, mount-level) may use it too.
 */
package io.tgcryptfs.backend.telegram.fake;
