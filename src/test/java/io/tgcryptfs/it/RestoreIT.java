package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    private static final Pattern NEWEST = Pattern.compile("newest restore point: #(\\d+)");
    private static final Pattern WAITING = Pattern.compile("metadata not on the backend yet: (\\d+) restore points waiting");

    @RegisterExtension
    static final MountFixture fs = new MountFixture().withProperty("metadata.max-unbacked", "2s")
            // blocks stay unsealed unless something seals them: closing the file, or a restore point's capture
            .withProperty("dirty.expiry", "10m").withProperty("dirty.max-age", "10m");

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

    @Test
    void afterACrash_aFileStillOpen_isInThePointWithEverythingWrittenBeforeIt() throws Exception {
        Path file = fs.newDir("open").resolve("band");
        byte[] data = FileDataIT.randomBytes(1 << 20, 33);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            // 4 KiB pieces in a shuffled order, as Time Machine fills a band: no stream, nothing sealed eagerly
            java.util.List<Integer> pieces = new java.util.ArrayList<>(java.util.stream.IntStream.range(0, 256).boxed().toList());
            java.util.Collections.shuffle(pieces, new java.util.Random(33));
            for (int piece : pieces) {
                ch.write(ByteBuffer.wrap(data, piece * 4096, 4096), piece * 4096L);
            }
            ch.force(true);
            awaitAPointCapturedAfterNow(file.getParent());

            fs.crash(); // with the file open: its blocks were never sealed but by the captures
        } finally {
            closeOnADeadMount(ch);
        }
        fs.wipeAllButTheBackend();
        fs.start();

        assertArrayEquals(data, Files.readAllBytes(file), "the point holds the file as written before its capture");
    }

    /**
     * Waits until a point captured after this call is published. `status` counts the captured points
     * (the newest published plus those waiting); the second capture after that count began after it.
     * Each capture is given a change to capture (a marker file), so none waits for the next change.
     */
    private static void awaitAPointCapturedAfterNow(Path dir) throws IOException {
        long captured = points(fs)[1];
        for (int i = 1; i <= 2; i++) {
            Files.createFile(dir.resolve("marker-" + i));
            long wanted = captured + i;
            MountFixture.await("restore point #" + wanted + " published", Duration.ofSeconds(60),
                    () -> points(fs)[0] >= wanted);
        }
    }

    /** [newest published, newest captured] restore point numbers, from `tgcryptfs status`. */
    private static long[] points(MountFixture fs) {
        String text = fs.cli("status").assertOk().out();
        Matcher newest = NEWEST.matcher(text);
        long published = newest.find() ? Long.parseLong(newest.group(1)) : 0;
        Matcher waiting = WAITING.matcher(text);
        return new long[] {published, published + (waiting.find() ? Long.parseLong(waiting.group(1)) : 0)};
    }

    private static void closeOnADeadMount(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException expected) {
            // the mount is gone: the kernel answers the close's flush with ENOTCONN
        }
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
