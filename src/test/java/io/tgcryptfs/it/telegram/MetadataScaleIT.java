package io.tgcryptfs.it.telegram;

import io.tgcryptfs.backend.telegram.fake.FakeBotApi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Metadata at Time Machine scale: a volume of 2,000,000 block-map entries and 200,000 files (written
 * through the metadata port with the volume's real keys) backs up to a Bot API with the cloud's caps
 * (50 MB up, 20 MB down), restores into an empty state directory, and every replicated record is equal.
 * Each step runs in its own JVM with {@code -Xmx512m}, the heap a user runs the mount with; times and
 * peak RSS are printed. Sizes can be changed with {@code -Dscale.files} and {@code -Dscale.blocks}.
 */
@Timeout(value = 600, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MetadataScaleIT {
    private static final int FILES = Integer.getInteger("scale.files", 200_000);
    private static final long BLOCKS = Long.getLong("scale.blocks", 2_000_000L);
    private static final long MB = 1_000_000;

    @TempDir
    Path dir;
    private FakeBotApi api;

    @BeforeEach
    void startFake() throws IOException {
        api = TelegramVolume.fake().unlimited().maxUploadBytes(50 * MB).maxDownloadBytes(20 * MB)
                .storageDir(dir.resolve("server")).start();
    }

    @AfterEach
    void stopFake() throws IOException {
        api.close();
    }

    @Test
    void aTwoMillionBlockVolume_backsUpAndRestores_in512MiBOfHeap_andOneChangedFileCostsLessThanOneMiB() throws Exception {
        Path writer = dir.resolve("writer");
        Map<String, String> created = drive(writer, "create", Integer.toString(FILES), Long.toString(BLOCKS));
        report("backup (build + checkpoint + publish)", created);
        assertTrue(api.documents().stream().allMatch(d -> d.size() <= 20 * MB), "every object downloadable from the cloud API");

        long before = storedBytes();
        Map<String, String> touched = drive(writer, "touch", Integer.toString(FILES), Integer.toString(FILES / 2));
        long sent = storedBytes() - before;
        System.out.printf("[scale] one changed file: %d bytes of metadata sent%n", sent);
        assertTrue(sent < (1 << 20), "one changed file costs less than 1 MiB of metadata, not " + sent + " bytes");

        Map<String, String> restored = drive(dir.resolve("new-machine"), "restore");
        report("restore", restored);
        assertEquals(touched.get("fingerprint"), restored.get("fingerprint"),
                "every inode, name, xattr, block-map entry, chunk and pack came back");
        assertTrue(Long.parseLong(restored.get("heap-max-mib")) <= 512);
    }

    private long storedBytes() {
        return api.documents().stream().mapToLong(FakeBotApi.StoredDocument::size).sum();
    }

    private static void report(String step, Map<String, String> out) {
        System.out.printf("[scale] %s of %d files / %d blocks: %s ms, peak RSS %d MiB incl. LMDB's mapped file, "
                        + "anonymous RSS at the end %d MiB (-Xmx512m)%s%n", step, FILES, BLOCKS,
                out.get("millis"), Long.parseLong(out.get("peak-rss-kib")) / 1024, Long.parseLong(out.get("rss-anon-kib")) / 1024,
                out.containsKey("restored") ? ", restored point/objects/bytes " + out.get("restored") : "");
    }

    private Map<String, String> drive(Path state, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                "-Dtgcryptfs.state-dir=" + state,
                "-Dtgcryptfs.backend.type=telegram",
                "-Dtgcryptfs.backend.telegram.api-url=" + api.apiUrl(),
                "-Dtgcryptfs.backend.telegram.bot-tokens.0=" + TelegramVolume.TOKEN,
                "-Dtgcryptfs.backend.telegram.chat-ids.0=" + TelegramVolume.CHAT_A,
                "-Dtgcryptfs.backend.telegram.chat-ids.1=" + TelegramVolume.CHAT_B,
                "-Dtgcryptfs.kdf.memory-kib=8192", "-Dtgcryptfs.kdf.iterations=1"));
        TelegramVolume.UNPACED.forEach((k, v) -> cmd.add("-Dtgcryptfs." + k + "=" + v));
        cmd.add(MetadataScaleDriver.class.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("TGCRYPTFS_PASSWORD", "scale-test-password");
        Path log = dir.resolve(args[0] + ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(500, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(args[0] + " did not finish:\n" + tail(log));
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError(args[0] + " failed:\n" + tail(log));
        }
        return MetadataScaleDriver.parse(out);
    }

    private static String tail(Path log) throws IOException {
        String s = Files.readString(log);
        return s.substring(Math.max(0, s.length() - 4000));
    }
}
