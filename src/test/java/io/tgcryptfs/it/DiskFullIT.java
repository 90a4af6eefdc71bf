package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A full local disk: writes fail with ENOSPC promptly (they do not hang), what was written before stays
 * intact, and once there is room again the volume unmounts cleanly with everything uploaded.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DiskFullIT {
    static final Path DISK = tmpfs();

    /** Ordered before the mount, so its teardown runs after the mount's: the disk goes last. */
    @RegisterExtension
    @Order(1)
    static final org.junit.jupiter.api.extension.AfterAllCallback UNMOUNT_DISK = context ->
            MountFixture.run(java.util.List.of("umount", "-l", DISK.toString()), MountFixture.TOOL_DEADLINE,
                    java.util.Map.of(), Path.of("/"));

    @RegisterExtension
    @Order(2)
    static final MountFixture fs = new MountFixture()
            .withProperty("state-dir", DISK.resolve("state").toString())
            .withProperty("dirty.budget", "16MiB");

    @Test
    void aFullDisk_failsWritesWithENOSPC_keepsEarlierData_andRecoversWhenThereIsRoom() throws IOException {
        Path dir = fs.newDir("full");
        byte[] early = FileDataIT.randomBytes(1 << 20, 71);
        Files.write(dir.resolve("early.bin"), early);

        IOException refused = null;
        try (OutputStream out = Files.newOutputStream(dir.resolve("big.bin"))) {
            for (int i = 0; i < 200; i++) {
                out.write(FileDataIT.randomBytes(1 << 20, 100 + i)); // distinct data: dedup must not absorb it
            }
        } catch (IOException e) {
            refused = e;
        }
        if (refused == null) {
            fail("200 MiB into a 48 MiB disk did not fail");
        }
        IOException first = refused;
        assertTrue(String.valueOf(refused.getMessage()).contains("No space left"),
                () -> "ENOSPC, not " + first + "; the mount's log ends:\n" + fs.logTail());
        assertArrayEquals(early, Files.readAllBytes(dir.resolve("early.bin")), "earlier data is intact");

        makeRoom();
        fs.restart();
        assertArrayEquals(early, Files.readAllBytes(dir.resolve("early.bin")), "after remount");
    }

    /** Also after a failure, so the mount can upload what it holds and stop cleanly. */
    @AfterAll
    static void makeRoom() {
        MountFixture.run(java.util.List.of("mount", "-o", "remount,size=512m", DISK.toString()),
                MountFixture.TOOL_DEADLINE, java.util.Map.of(), Path.of("/")).assertOk();
    }

    private static Path tmpfs() {
        try {
            Path dir = Files.createTempDirectory("tgcryptfs-small-disk-");
            MountFixture.run(java.util.List.of("mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", dir.toString()),
                    MountFixture.TOOL_DEADLINE, java.util.Map.of(), Path.of("/")).assertOk();
            return dir;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
