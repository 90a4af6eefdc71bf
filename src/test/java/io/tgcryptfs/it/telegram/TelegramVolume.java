package io.tgcryptfs.it.telegram;

import io.tgcryptfs.backend.telegram.TelegramBlobStore;
import io.tgcryptfs.backend.telegram.fake.FakeBotApi;
import io.tgcryptfs.it.MountFixture;
import io.tgcryptfs.it.ToolResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real mount ({@link MountFixture}, {@code java -jar target/tgcryptfs.jar mount}) whose backend is a
 * {@link FakeBotApi} running in the test JVM on loopback. The Telegram settings go in as {@code -D}
 * properties, list elements by index ({@code bot-tokens.0}, {@code chat-ids.1}).
 *
 * <p>Closing unmounts (which uploads what is left) after switching every injected fault off, then stops
 * the fake.
 */
public final class TelegramVolume implements AutoCloseable {
    static final String TOKEN = "424242:fake-bot-token_for-tests";
    static final long CHAT_A = -1001000000001L;
    static final long CHAT_B = -1001000000002L;
    static final List<Long> CHATS = List.of(CHAT_A, CHAT_B);
    static final int MiB = 1 << 20;

    /** Client-side rates far above anything the unlimited fake enforces: pacing stays out of the way. */
    public static final Map<String, String> UNPACED = Map.of(
            "backend.telegram.per-chat-messages-per-second", "1000",
            "backend.telegram.per-chat-messages-per-minute", "1000000",
            "backend.telegram.per-bot-messages-per-second", "1000");

    final FakeBotApi api;
    final MountFixture fs;

    private TelegramVolume(FakeBotApi api, MountFixture fs) {
        this.api = api;
        this.fs = fs;
    }

    /** A fake with one bot ({@link #TOKEN}) and the chats {@link #CHATS}; the caller sets its rates and starts it. */
    public static FakeBotApi.Builder fake() {
        FakeBotApi.Builder b = FakeBotApi.builder().bot(TOKEN);
        CHATS.forEach(b::chat);
        return b;
    }

    /** Mounts a new volume on {@code api} with {@code properties} (keys below {@code tgcryptfs.}). */
    static TelegramVolume mount(FakeBotApi api, Map<String, String> properties) {
        MountFixture fs = on(api, new MountFixture());
        properties.forEach(fs::withProperty);
        TelegramVolume v = new TelegramVolume(api, fs);
        try {
            fs.start();
        } catch (RuntimeException | Error e) {
            fs.close();
            throw e;
        }
        return v;
    }

    /** {@code fs} with the backend settings of {@code api}'s bot and chats ({@link #fake}). */
    public static MountFixture on(FakeBotApi api, MountFixture fs) {
        fs.withProperty("backend.type", "telegram")
                .withProperty("backend.telegram.api-url", api.apiUrl())
                .withProperty("backend.telegram.bot-tokens.0", TOKEN);
        for (int i = 0; i < CHATS.size(); i++) {
            fs.withProperty("backend.telegram.chat-ids." + i, Long.toString(CHATS.get(i)));
        }
        return fs;
    }

    Path outboxDir() {
        return fs.stateDir().resolve("outbox");
    }

    Path cacheDir() {
        return fs.stateDir().resolve("cache");
    }

    /** {@code tgcryptfs sync}, asserting exit 0. */
    ToolResult sync() {
        return fs.cli("sync").assertOk();
    }

    /**
     * {@code tgcryptfs sync} until it exits 0, as an operator would after a failed one; fails the test after
     * {@code attempts}. Returns the number of attempts it took.
     */
    int syncUntilItSucceeds(int attempts, String testName) {
        StringBuilder failures = new StringBuilder();
        for (int attempt = 1; attempt <= attempts; attempt++) {
            ToolResult r = fs.cli("sync");
            if (r.exitCode() == 0) {
                if (attempt > 1) {
                    System.out.println("[" + testName + "] sync failed " + (attempt - 1) + " time(s) first:\n" + failures);
                }
                return attempt;
            }
            failures.append(r.stderr().strip()).append('\n');
        }
        fail("sync did not succeed in " + attempts + " attempts:\n" + failures);
        return -1;
    }

    /** The root record messages in the root chat (the first of {@link #CHATS}), oldest first. */
    List<String> rootMessages() {
        return api.textMessages(CHAT_A).stream().filter(t -> t.startsWith(TelegramBlobStore.ROOT_PREFIX)).toList();
    }

    /** {@code tgcryptfs status} output, asserting exit 0. */
    String status() {
        return fs.cli("status").assertOk().stdout();
    }

    /** Unmounts (uploading the rest), runs {@code cache clear} and checks no pack is left locally. */
    void unmountAndClearCache() {
        fs.stop();
        fs.cli("cache", "clear").assertOk();
        assertEquals(Set.of(), packNames(cacheDir()), "packs left in the cache dir after `cache clear`");
        assertEquals(Set.of(), packNames(outboxDir()), "packs left in the outbox after unmount");
    }

    /** Every pack the volume holds locally is stored exactly once on the fake server. */
    void assertEveryPackStoredExactlyOnce(Set<String> packs) {
        Map<String, Long> stored = api.documentCountsByName();
        for (String pack : packs) {
            assertEquals(1L, stored.getOrDefault(pack, 0L), () -> "copies of pack " + pack + " on the server; stored: " + stored);
        }
        stored.forEach((name, n) -> assertEquals(1L, n, () -> "document " + name + " is stored " + n + " times"));
    }

    void faultsOff() {
        api.setServerErrorRate(0);
        api.setDropRate(0);
        api.setLostResponseRate(0);
        api.setLatency(java.time.Duration.ZERO);
        CHATS.forEach(c -> api.setRejectsBot(c, false));
    }

    @Override
    public void close() {
        faultsOff();
        try {
            fs.close();
        } finally {
            try {
                api.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    // ---------------------------------------------------------------- data

    /** Names (without ".pack") of the pack files in {@code dir}; empty if it does not exist. */
    static Set<String> packNames(Path dir) {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".pack"))
                    .forEach(n -> names.add(n.substring(0, n.length() - ".pack".length())));
        } catch (NoSuchFileException e) {
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }

    /** Writes {@code size} incompressible bytes from a generator seeded with {@code seed}, fsyncs; returns their SHA-256. */
    static String writeSeeded(Path file, long size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        MessageDigest sha = sha256();
        byte[] chunk = new byte[MiB];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long left = size;
            while (left > 0) {
                int n = (int) Math.min(chunk.length, left);
                random.nextBytes(chunk);
                sha.update(chunk, 0, n);
                ByteBuffer buf = ByteBuffer.wrap(chunk, 0, n);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                left -= n;
            }
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("write " + file, e);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    static String sha256(Path file) {
        MessageDigest sha = sha256();
        ByteBuffer buf = ByteBuffer.allocate(MiB);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (ch.read(buf) >= 0) {
                buf.flip();
                sha.update(buf);
                buf.clear();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("read " + file, e);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Asserts every file reads back with the checksum it was written with. */
    static void assertReadsBack(Map<Path, String> checksums, String when) {
        checksums.forEach((file, sum) -> assertEquals(sum, sha256(file), () -> "SHA-256 of " + file + " " + when));
    }

    static void assertNotEmpty(Set<String> packs, String what) {
        assertTrue(!packs.isEmpty(), what + ": expected at least one pack");
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
