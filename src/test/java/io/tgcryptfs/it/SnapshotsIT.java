package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Restore points: `snapshots` lists what the backend keeps, and `mount --snapshot ID` mounts an older one
 * read-only while the writer goes on, showing exactly that moment; gc never takes a pack a kept point needs.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SnapshotsIT {
    private static final Pattern ROW = Pattern.compile("^\\s*(\\d+)\\s+\\d{4}-\\d\\d-\\d\\dT", Pattern.MULTILINE);

    @RegisterExtension
    static final MountFixture fs = new MountFixture().withProperty("pack.target-size", "2MiB");

    @Test
    void anOlderRestorePoint_mountsReadOnly_whileTheWriterGoesOn_andSurvivesGc() throws Exception {
        Path dir = fs.newDir("points");
        byte[] doomed = FileDataIT.randomBytes(6 << 20, 71);
        Files.write(dir.resolve("doomed.bin"), doomed);
        Files.writeString(dir.resolve("note.txt"), "first version");
        fs.cli("sync").assertOk();
        long first = newestId();

        Files.delete(dir.resolve("doomed.bin"));
        Files.writeString(dir.resolve("note.txt"), "second version");
        Files.writeString(dir.resolve("added.txt"), "only later");
        fs.cli("sync").assertOk();
        String gc = fs.cli("gc").assertOk().stdout();
        assertTrue(gc.contains("wait until no kept restore point mentions them"), "the first point still needs the packs\n" + gc);

        List<Long> ids = ids(fs.cli("snapshots").assertOk().stdout());
        assertTrue(ids.contains(first) && ids.size() >= 2, "the older point is kept: " + ids);

        Path view = fs.workDir().resolve("view");
        Files.createDirectories(view);
        Process snapshot = fs.launchCli("snapshot.log", "mount", "--snapshot", Long.toString(first), view.toString());
        try {
            MountFixture.await("the restore point to be mounted", Duration.ofSeconds(90),
                    () -> MountInfo.isMounted(view) || !snapshot.isAlive());
            assertTrue(MountInfo.isMounted(view), () -> "snapshot mount failed:\n" + log("snapshot.log"));
            Path old = view.resolve(fs.root().relativize(dir));

            assertEquals("first version", Files.readString(old.resolve("note.txt")));
            assertFalse(Files.exists(old.resolve("added.txt")), "nothing from after the point");
            assertArrayEquals(doomed, Files.readAllBytes(old.resolve("doomed.bin")), "gc kept what a kept point needs");
            assertThrows(FileSystemException.class, () -> Files.writeString(old.resolve("new.txt"), "x"), "read-only");

            Files.writeString(dir.resolve("while-viewing.txt"), "the writer goes on");
            fs.cli("sync").assertOk();
            assertEquals("second version", Files.readString(dir.resolve("note.txt")));
        } finally {
            fs.run("fusermount", "-u", view.toString());
            assertEquals(0, MountFixture.awaitExit(snapshot, Duration.ofSeconds(60)), () -> log("snapshot.log"));
        }
        assertFalse(Files.exists(fs.stateDir().resolve("snapshots").resolve(Long.toString(first))),
                "the snapshot's scratch state is gone after unmount");
        assertEquals("the writer goes on", Files.readString(dir.resolve("while-viewing.txt")));
    }

    @Test
    void anUnknownRestorePoint_isAClearError() {
        Path view = fs.workDir().resolve("nowhere");
        ToolResult r = fs.cli("mount", "--snapshot", "999999", view.getParent().toString());
        assertEquals(1, r.exitCode(), r.describe());
        assertTrue(r.stderr().contains("no restore point #999999"), r.describe());
    }

    private long newestId() {
        List<Long> ids = ids(fs.cli("snapshots").assertOk().stdout());
        return ids.get(ids.size() - 1);
    }

    private static List<Long> ids(String listing) {
        List<Long> out = new ArrayList<>();
        Matcher m = ROW.matcher(listing);
        while (m.find()) {
            out.add(Long.parseLong(m.group(1)));
        }
        assertFalse(out.isEmpty(), "no restore points listed:\n" + listing);
        return out;
    }

    private static String log(String name) {
        try {
            return Files.readString(fs.workDir().resolve(name), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
