package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** `passwd` rewraps the key: the new password opens the volume, here and on the backend; the old one no longer does. */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PasswdIT {
    @RegisterExtension
    static final MountFixture fs = new MountFixture();

    @Test
    void passwd_switchesThePassword_andKeepsTheData() throws IOException {
        Path dir = fs.newDir("passwd");
        byte[] data = FileDataIT.randomBytes(2 << 20, 51);
        Files.write(dir.resolve("data.bin"), data);
        fs.stop();

        ToolResult whileWrong = fs.cliWithPassword("not-the-password", "passwd", "--new-password-file", newPasswordFile().toString());
        assertNotEquals(0, whileWrong.exitCode(), "a wrong old password changes nothing\n" + whileWrong.describe());

        fs.cliWithPassword(fs.password(), "passwd", "--new-password-file", newPasswordFile().toString()).assertOk();

        Process old = fs.launchMount(fs.password());
        assertNotEquals(0, MountFixture.awaitExit(old, Duration.ofSeconds(60)), "the old password no longer mounts");

        fs.withPassword("the new one").start();
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("data.bin")));
        assertTrue(fs.isMounted());
    }

    @Test
    void afterPasswd_aNewMachine_refusesTheOldPassword_andRestoresWithTheNewOne() throws IOException {
        Path dir = fs.newDir("passwd-new-machine");
        byte[] data = FileDataIT.randomBytes(1 << 20, 52);
        Files.write(dir.resolve("data.bin"), data);
        fs.stop();
        String current = fs.password();
        Path next = fs.workDir().resolve("newer-password");
        Files.writeString(next, "a newer one\n");
        fs.cliWithPassword(current, "passwd", "--new-password-file", next.toString()).assertOk();
        fs.wipeAllButTheBackend();

        ToolResult old = fs.cliWithPassword(current, "restore");
        assertNotEquals(0, old.exitCode(), "the old password opens nothing on the backend\n" + old.describe());
        assertTrue(old.stderr().contains("wrong password"), old.describe());
        assertTrue(Files.notExists(fs.stateDir().resolve("volume.header")), "a refused restore leaves no volume behind");

        ToolResult restored = fs.cliWithPassword("a newer one", "restore").assertOk();
        assertTrue(restored.stdout().contains("restored restore point #"), restored.describe());
        fs.withPassword("a newer one").start();
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("data.bin")));
    }

    private Path newPasswordFile() throws IOException {
        Path file = fs.workDir().resolve("new-password");
        Files.writeString(file, "the new one\n");
        return file;
    }
}
