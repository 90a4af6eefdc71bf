package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An old root record put back on the backend (a replay or rollback) is reported at mount, and healed. */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RollbackIT {
    @RegisterExtension
    static final MountFixture fs = new MountFixture();

    @Test
    void aReplayedRootRecord_isReportedAtMount_andReplacedByTheNextSnapshot() throws IOException {
        Path dir = fs.newDir("rollback");
        Files.write(dir.resolve("one.bin"), FileDataIT.randomBytes(1 << 20, 61));
        fs.cli("sync").assertOk();
        Path root = fs.stateDir().resolve("backend").resolve("root");
        byte[] old = Files.readAllBytes(root);
        byte[] two = FileDataIT.randomBytes(1 << 20, 62);
        Files.write(dir.resolve("two.bin"), two);
        fs.cli("sync").assertOk();
        fs.stop();
        assertFalse(fs.log().contains("replayed or rolled back"), fs.log());

        Files.write(root, old);
        fs.start();
        assertTrue(fs.log().contains("replayed or rolled back"), "the mount reports the old root\n" + fs.logTail());

        fs.cli("sync").assertOk();
        assertFalse(java.util.Arrays.equals(old, Files.readAllBytes(root)), "the next snapshot replaced the replayed root");
        assertArrayEquals(two, Files.readAllBytes(dir.resolve("two.bin")), "local state stays authoritative");
    }
}
