package io.tgcryptfs.fuse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class ReadAheadTest {
    @TempDir
    Path dir;

    private Path mountInfo(String... lines) throws Exception {
        return Files.write(dir.resolve("mountinfo"), java.util.List.of(lines));
    }

    private Path bdi(String device) throws Exception {
        Path d = Files.createDirectories(dir.resolve("bdi").resolve(device));
        return Files.writeString(d.resolve("read_ahead_kb"), "128");
    }

    @Test
    void setsTheWindowOfTheTopmostMountOnThePath() throws Exception {
        Path info = mountInfo(
                "25 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw",
                "36 25 0:39 / /srv/tg\\040backups rw,nosuid,nodev - fuse.tgcryptfs tgcryptfs rw,user_id=0",
                "37 36 0:41 / /srv/tg\\040backups rw,nosuid,nodev - fuse.tgcryptfs tgcryptfs rw,user_id=0");
        Path lower = bdi("0:39");
        Path ours = bdi("0:41");
        ReadAhead.apply(Path.of("/srv/tg backups"), 1 << 20, info, dir.resolve("bdi"));
        assertEquals("1024", Files.readString(ours));
        assertEquals("128", Files.readString(lower), "a mount underneath is not ours");
    }

    @Test
    void zeroLeavesTheKernelsWindow_andNothingMountedIsNoError() throws Exception {
        Path info = mountInfo("36 25 0:39 / /mnt rw - fuse.tgcryptfs tgcryptfs rw");
        Path window = bdi("0:39");
        ReadAhead.apply(Path.of("/mnt"), 0, info, dir.resolve("bdi"));
        assertEquals("128", Files.readString(window));
        ReadAhead.apply(Path.of("/elsewhere"), 1 << 20, info, dir.resolve("bdi"));
        assertEquals("128", Files.readString(window));
    }

    @Test
    void withoutPermission_theMountGoesOn() throws Exception {
        Path info = mountInfo("36 25 0:39 / /mnt rw - fuse.tgcryptfs tgcryptfs rw");
        ReadAhead.apply(Path.of("/mnt"), 1 << 20, info, dir.resolve("no-such-bdi"));
        assertFalse(Files.exists(dir.resolve("no-such-bdi")));
    }
}
