package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code timemachine sync}: a local sparse bundle copied into the mount, then after a "backup" that
 * changed two bands only those two are copied again; the copy equals the source, xattrs included, and
 * {@code timemachine status} sees it covered by a restore point after {@code tgcryptfs sync}. (Reads
 * after a remount are TimeMachineIT's; the byte count of a 1 GiB bundle is BundleSyncTest's.)
 */
@Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TimeMachineSyncIT {
    static final int BAND = 8 << 20;

    @RegisterExtension
    static final MountFixture fs = new MountFixture();

    @TempDir
    Path local;

    @Test
    void sync_copiesOnlyChangedBands_showsProgress_andStatusSeesTheCopyOnTheBackend() throws IOException {
        MountFixture.assumeNotBaseline();
        fs.cli("timemachine", "create", "--size", "1g", "--name", "Mac", local.toString()).assertOk();
        Path src = local.resolve("Mac.sparsebundle");
        Random random = new Random(3);
        for (int b = 0; b < 4; b++) {
            writeBand(src, b, random);
        }
        Files.getFileAttributeView(src, UserDefinedFileAttributeView.class)
                .write("com.apple.TimeMachine.MachineMACAddress", ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6}));
        Path dir = fs.newDir("tm");

        ToolResult first = fs.cli("timemachine", "sync", src.toString(), dir.toString()).assertOk();
        assertTrue(first.stdout().contains("copied 7 files (32.0 MiB written)"), first.describe());
        assertTrue(first.stdout().contains("100%"), "progress reaches 100%\n" + first.describe());

        // status tells a restore point's age in whole seconds, so "covers" is certain only a second after the copy
        long copied = System.currentTimeMillis();
        MountFixture.await("a second after the copy", java.time.Duration.ofSeconds(5), () -> System.currentTimeMillis() > copied + 1100);
        fs.cli("sync").assertOk();
        ToolResult status = fs.cli("timemachine", "status", dir.resolve("Mac.sparsebundle").toString()).assertOk();
        assertTrue(status.stdout().contains("bands: 4, 32.0 MiB written"), status.describe());
        assertTrue(status.stdout().contains("latest backup: unknown"), status.describe());
        assertTrue(status.stdout().contains("on the backend: yes: restore point #"),
                "after `tgcryptfs sync` the newest restore point covers the copy\n" + status.describe());

        writeBand(src, 1, random);
        writeBand(src, 3, random);
        ToolResult second = fs.cli("timemachine", "sync", src.toString(), dir.toString()).assertOk();
        assertTrue(second.stdout().contains("copied 2 files (16.0 MiB written), 5 unchanged"), second.describe());

        Path copy = dir.resolve("Mac.sparsebundle");
        for (int b = 0; b < 4; b++) {
            String name = Integer.toHexString(b);
            assertArrayEquals(Files.readAllBytes(src.resolve("bands").resolve(name)),
                    Files.readAllBytes(copy.resolve("bands").resolve(name)), "band " + b);
        }
        ByteBuffer mac = ByteBuffer.allocate(6);
        Files.getFileAttributeView(copy, UserDefinedFileAttributeView.class).read("com.apple.TimeMachine.MachineMACAddress", mac);
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6}, mac.array(), "the bundle's xattr");
        ToolResult third = fs.cli("timemachine", "sync", src.toString(), dir.toString()).assertOk();
        assertTrue(third.stdout().contains("copied 0 files (0.0 MiB written), 7 unchanged"), third.describe());
        assertEquals(0, third.exitCode());
    }

    private static void writeBand(Path bundle, int b, Random random) throws IOException {
        byte[] data = new byte[BAND];
        random.nextBytes(data);
        Path band = bundle.resolve("bands").resolve(Integer.toHexString(b));
        Files.write(band, data);
        // a backup later than the last sync, whatever the clock's resolution
        Files.setLastModifiedTime(band, FileTime.fromMillis(System.currentTimeMillis() + 2000L * b + 1000));
    }
}
