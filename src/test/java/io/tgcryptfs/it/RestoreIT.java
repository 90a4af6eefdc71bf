package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A new machine restores everything from the backend plus the password: after a clean unmount, and
 * after a crash, up to the last restore point published while mounted.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RestoreIT {
    @RegisterExtension
    static final MountFixture fs = new MountFixture().withProperty("metadata.max-unbacked", "2s");

    @Test
    void aNewMachine_withOnlyTheBackendAndThePassword_getsEverythingBack() throws IOException {
        Path dir = fs.newDir("restore");
        byte[] data = FileDataIT.randomBytes((5 << 20) + 17, 31);
        Files.write(dir.resolve("data.bin"), data);
        Files.createLink(dir.resolve("link.bin"), dir.resolve("data.bin"));
        Files.getFileAttributeView(dir.resolve("data.bin"), UserDefinedFileAttributeView.class)
                .write("com.apple.FinderInfo", ByteBuffer.wrap(new byte[] {1, 2, 3}));

        fs.stop();
        fs.wipeAllButTheBackend();
        fs.start();

        assertArrayEquals(data, Files.readAllBytes(dir.resolve("data.bin")));
        assertEquals(2, Stat.of(dir.resolve("link.bin")).nlink(), "the hard link came back");
        ByteBuffer attr = ByteBuffer.allocate(3);
        Files.getFileAttributeView(dir.resolve("data.bin"), UserDefinedFileAttributeView.class).read("com.apple.FinderInfo", attr);
        assertArrayEquals(new byte[] {1, 2, 3}, attr.array());
    }

    @Test
    void afterACrash_theLastPeriodicSnapshot_restoresOnANewMachine() throws Exception {
        Path dir = fs.newDir("crash");
        byte[] data = FileDataIT.randomBytes(3 << 20, 32);
        Files.write(dir.resolve("before-crash.bin"), data);
        awaitTwoRootUpdates();

        fs.crash();
        fs.wipeAllButTheBackend();
        fs.start();

        assertArrayEquals(data, Files.readAllBytes(dir.resolve("before-crash.bin")));
    }

    /** Two root record updates after now: the second restore point was captured after everything written so far. */
    private void awaitTwoRootUpdates() throws IOException, InterruptedException {
        Path root = fs.stateDir().resolve("backend").resolve("root");
        byte[] seen = Files.readAllBytes(root);
        for (int updates = 0; updates < 2; ) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            byte[] now;
            while (Arrays.equals(now = Files.readAllBytes(root), seen)) {
                if (System.nanoTime() > deadline) {
                    fail("the root record did not change within 60 s\n" + fs.logTail());
                }
                Thread.sleep(50); // polling a file with a deadline
            }
            seen = now;
            updates++;
        }
    }
}
