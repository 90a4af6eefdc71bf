/**
 * Mount-level tests of the Telegram backend: the real {@code tgcryptfs.jar mount} (through
 * {@link io.tgcryptfs.it.MountFixture}) against {@link io.tgcryptfs.backend.telegram.fake.FakeBotApi} running
 * in the test JVM on loopback, configured with {@code -Dtgcryptfs.backend.type=telegram} and indexed list
 * properties ({@code bot-tokens.0}, {@code chat-ids.0}, {@code chat-ids.1}).
 *
 * <p>What enters: bytes written through the mount, fault and limit knobs of the fake. What is asserted:
 * checksums after a cache wipe and remount, the fake's counters (accepted-send timestamps, 429s, stored
 * documents by name), the state directory's outbox and cache, and {@code tgcryptfs status}.
 * {@link io.tgcryptfs.it.telegram.UploadBenchmark} measures upload utilization in-process (no FUSE); it is run by
 * {@code ops/bench/telegram-upload.sh}. Imports: the fixture and fake of the test tree, and for the benchmark
 * the backend, chunk and pipeline classes it wires as {@code Volume} does.
 */
package io.tgcryptfs.it.telegram;
