package io.tgcryptfs.timemachine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BundleSyncTest {
    static final int BAND = (int) SparseBundle.DEFAULT_BAND_SIZE;

    @TempDir
    Path dir;

    /** Counts what the listener hears, as the progress bar does. */
    static class Counting implements BundleSync.Listener {
        final AtomicLong plannedBytes = new AtomicLong();
        final AtomicLong copiedBytes = new AtomicLong();

        @Override
        public void planned(long files, long bytes) {
            plannedBytes.set(bytes);
        }

        @Override
        public void copied(long bytes) {
            copiedBytes.addAndGet(bytes);
        }
    }

    @Test
    void aGibibyteBundle_withTenChangedBands_copiesOnlyThoseTen() throws IOException {
        SparseBundle bundle = SparseBundle.create(dir.resolve("local"), "Mac", 1L << 30, BAND);
        Random random = new Random(5);
        int bands = (1 << 30) / BAND; // 128 full bands: the whole gibibyte
        for (int b = 0; b < bands; b++) {
            writeBand(bundle, b, random);
        }
        Path target = dir.resolve("mount").resolve("Mac.sparsebundle");
        BundleSync.Report first = new BundleSync(bundle.dir(), target, new Counting(), false).run();
        assertEquals(treeBytes(bundle.dir()), first.bytesCopied(), "the first sync copies everything");
        assertTrue(first.bytesCopied() > 1L << 30);

        int[] changed = {0, 3, 17, 31, 50, 64, 77, 90, 101, 127};
        for (int b : changed) {
            writeBand(bundle, b, random);
            // a later time, as a new backup leaves it (file systems may keep only seconds)
            Files.setLastModifiedTime(band(bundle.dir(), b), FileTime.fromMillis(System.currentTimeMillis() + 5000));
        }
        Counting progress = new Counting();
        BundleSync.Report second = new BundleSync(bundle.dir(), target, progress, false).run();

        assertEquals(10L * BAND, second.bytesCopied(), "only the ten changed bands are written");
        assertEquals(10, second.filesCopied());
        assertEquals(10L * BAND, progress.plannedBytes.get(), "the progress total is what will be copied");
        assertEquals(10L * BAND, progress.copiedBytes.get(), "progress reaches the total");
        for (int b : changed) {
            assertArrayEquals(Files.readAllBytes(band(bundle.dir(), b)), Files.readAllBytes(band(target, b)), "band " + b);
        }
        assertEquals(0, new BundleSync(bundle.dir(), target, new Counting(), false).run().bytesCopied(),
                "a rerun with nothing changed copies nothing");
    }

    @Test
    void xattrsModesHardLinksHolesAndDeletions_areMirrored() throws IOException {
        SparseBundle bundle = SparseBundle.create(dir.resolve("local"), "Mac", 1L << 30, BAND);
        Path src = bundle.dir();
        byte[] sparse = new byte[BAND];
        sparse[BAND - 1] = 7;
        Files.write(band(src, 0), sparse);
        Files.write(band(src, 1), "gone soon".getBytes());
        Files.createLink(src.resolve("token.link"), src.resolve("token"));
        byte[] big = new byte[2048]; // ext4 takes no more in one block; the mount's 60 KiB ones are in SambaTimeMachineIT
        new Random(1).nextBytes(big);
        xattrs(src).write("com.apple.TimeMachine.MachineUUID", ByteBuffer.wrap(big));
        xattrs(band(src, 0)).write("DosStream.AFP_AfpInfo:$DATA", ByteBuffer.wrap(new byte[] {1, 2, 3}));
        Path target = dir.resolve("copy");
        new BundleSync(src, target, new Counting(), false).run();

        Files.delete(band(src, 1));
        xattrs(band(src, 0)).delete("DosStream.AFP_AfpInfo:$DATA");
        Files.setLastModifiedTime(band(src, 0), FileTime.fromMillis(System.currentTimeMillis() + 5000));
        BundleSync.Report report = new BundleSync(src, target, new Counting(), false).run();

        assertEquals(1, report.deleted(), "the band the source deleted");
        assertFalse(Files.exists(band(target, 1)));
        assertArrayEquals(sparse, Files.readAllBytes(band(target, 0)));
        assertEquals(1 << 20, report.bytesCopied(), "zero MiBs stay holes: only the last MiB, which holds data, is written");
        assertTrue(Files.isSameFile(target.resolve("token"), target.resolve("token.link")), "hard link kept");
        ByteBuffer read = ByteBuffer.allocate(big.length);
        xattrs(target).read("com.apple.TimeMachine.MachineUUID", read);
        assertArrayEquals(big, read.array(), "an xattr of the bundle directory");
        assertEquals(0, xattrs(band(target, 0)).list().size(), "an xattr the source dropped is dropped");
        assertEquals(Files.getLastModifiedTime(band(src, 0)).toMillis(), Files.getLastModifiedTime(band(target, 0)).toMillis());
    }

    @Test
    void anInterruptedCopy_leavesNoHalfBandThatLooksCurrent_andARerunFinishes() throws IOException {
        SparseBundle bundle = SparseBundle.create(dir.resolve("local"), "Mac", 1L << 30, BAND);
        writeBand(bundle, 0, new Random(2));
        Path target = dir.resolve("copy");
        BundleSync.Listener crash = new Counting() {
            @Override
            public void copied(long bytes) {
                if (copiedBytes.addAndGet(bytes) > 2 << 20) {
                    throw new IllegalStateException("interrupted"); // two MiB into the band
                }
            }
        };
        try {
            new BundleSync(bundle.dir(), target, crash, false).run();
        } catch (IllegalStateException expected) {
            // the sync stopped in the middle of the band
        }
        assertFalse(Files.exists(band(target, 0)), "no band under its real name yet");
        assertTrue(Files.exists(target.resolve("bands").resolve(BundleSync.TEMP_PREFIX + "0")), "the band was being copied");
        BundleSync.Report rerun = new BundleSync(bundle.dir(), target, new Counting(), false).run();
        assertEquals(BAND + Files.size(bundle.dir().resolve("token")), rerun.bytesCopied(),
                "the rerun copies what the first run did not finish, not the Info files it had finished");
        assertArrayEquals(Files.readAllBytes(band(bundle.dir(), 0)), Files.readAllBytes(band(target, 0)));
        try (var leftovers = Files.list(target.resolve("bands"))) {
            assertEquals(1, leftovers.count(), "the temporary file of the interrupted copy is gone");
        }
    }

    private static void writeBand(SparseBundle bundle, int b, Random random) throws IOException {
        byte[] data = new byte[BAND];
        random.nextBytes(data);
        try (FileChannel ch = FileChannel.open(band(bundle.dir(), b), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap(data));
        }
        Arrays.fill(data, (byte) 0);
    }

    private static long treeBytes(Path root) throws IOException {
        try (var files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    static Path band(Path bundle, int b) {
        return bundle.resolve("bands").resolve(Integer.toHexString(b));
    }

    private static UserDefinedFileAttributeView xattrs(Path p) {
        return Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
    }
}
