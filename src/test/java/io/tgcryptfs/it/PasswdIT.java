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

    private Path newPasswordFile() throws IOException {
        Path file = fs.workDir().resolve("new-password");
        Files.writeString(file, "the new one\n");
        return file;
    }
}
