package io.tgcryptfs.it;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** File contents through a real mount: random writes, blocks and bands, append, truncate, fsync, big files. */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FileDataIT {

    static final int KiB = 1024;
    static final int MiB = 1024 * KiB;
    static final int BLOCK = MiB;
    static final int BAND = 8 * MiB;

    @RegisterExtension
    static final MountFixture fs = new MountFixture();

    @Test
    void theKernelReadsAheadFourMebibytes_aSequentialReaderWaitsForFewerRoundTrips() throws IOException {
        MountFixture.assumeNotBaseline();
        long dev = (Long) Files.getAttribute(fs.root(), "unix:dev");
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
        long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
        Path window = Path.of("/sys/class/bdi", major + ":" + minor, "read_ahead_kb");
        // set by the mount right after the kernel's INIT, which may be just after the first request it serves
        MountFixture.await("fuse.read-ahead (4 MiB) set on the mount (" + window + ")", Duration.ofSeconds(10),
                () -> readWindow(window).equals("4096"));
    }

    private static String readWindow(Path window) {
        try {
            return Files.readString(window).strip();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void randomWrites_atAnyOffset_readBackEqualsReference() throws IOException {
        Path file = fs.newDir("random").resolve("data.bin");
        Random random = new Random(20240611L);
        byte[] reference = new byte[0];
        try (FileChannel ch = FileChannel.open(file, CREATE_NEW, READ, WRITE)) {
            for (int i = 0; i < 400; i++) {
                int offset = random.nextInt(20 * MiB);
                int length = 1 + random.nextInt(i % 10 == 0 ? 3 * MiB : 64 * KiB);
                byte[] chunk = new byte[length];
                random.nextBytes(chunk);
                writeFully(ch, chunk, offset);
                reference = apply(reference, chunk, offset);
                if (i % 50 == 0) {
                    assertEquals(reference.length, ch.size(), "size after write #" + i);
                    assertRangeEquals(reference, ch, random.nextInt(reference.length), 300 * KiB, "while open, after write #" + i);
                }
            }
            assertArrayEquals(reference, readFully(ch), "whole file read through the writing channel");
        }
        assertEquals(reference.length, Files.size(file), "size after close");
        assertContentEquals(reference, file, "after close and reopen");
        // reads at odd offsets and lengths, including across block and band boundaries
        try (FileChannel ch = FileChannel.open(file, READ)) {
            for (int i = 0; i < 100; i++) {
                assertRangeEquals(reference, ch, random.nextInt(reference.length), 1 + random.nextInt(2 * MiB), "random read #" + i);
            }
            for (long boundary : new long[] {BLOCK, 2L * BLOCK, BAND, 2L * BAND}) {
                assertRangeEquals(reference, ch, boundary - 3, 7, "read across offset " + boundary);
            }
        }
    }

    @Test
    void overwrite_inTheMiddle_keepsSurroundingBytes() throws IOException {
        Path file = fs.newDir("overwrite").resolve("f");
        byte[] reference = randomBytes(3 * MiB + 17, 1);
        Files.write(file, reference);
        byte[] patch = randomBytes(100, 2);
        int at = (int) (1.5 * MiB) - 50;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(at);
            raf.write(patch);
        }
        System.arraycopy(patch, 0, reference, at, patch.length);
        assertContentEquals(reference, file, "after overwriting 100 bytes at " + at);
        assertEquals(3 * MiB + 17, Files.size(file), "an overwrite inside the file keeps its size");
    }

    @Test
    void writes_straddlingBlockAndBandBoundaries_readBackExactly() throws IOException {
        Path file = fs.newDir("boundaries").resolve("f");
        byte[] reference = new byte[0];
        long[] boundaries = {BLOCK, 2L * BLOCK, BAND, BAND + BLOCK, 2L * BAND};
        try (FileChannel ch = FileChannel.open(file, CREATE_NEW, READ, WRITE)) {
            int seed = 10;
            for (long boundary : boundaries) {
                byte[] piece = randomBytes(4099, seed++);
                writeFully(ch, piece, boundary - 2000);
                reference = apply(reference, piece, (int) boundary - 2000);
            }
            // one write covering a whole band plus parts of its neighbours
            byte[] big = randomBytes(BAND + 2 * BLOCK + 3, seed);
            writeFully(ch, big, BAND - BLOCK - 1);
            reference = apply(reference, big, BAND - BLOCK - 1);
        }
        assertContentEquals(reference, file, "writes across block and band boundaries, with holes between");
    }

    @Test
    void append_addsToTheEnd() throws IOException {
        Path file = fs.newDir("append").resolve("log.txt");
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            String line = "line " + i + " " + "x".repeat(i * 37 % 1000) + "\n";
            Files.writeString(file, line, CREATE, WRITE, APPEND);
            expected.append(line);
        }
        // an append that crosses a block boundary
        byte[] bulk = randomBytes(BLOCK + 5, 3);
        Files.write(file, bulk, APPEND);
        byte[] head = expected.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertContentEquals(apply(head, bulk, head.length), file, "200 appended lines followed by an appended block");
    }

    @Test
    void truncate_downThenUp_extendedAreaReadsZeros() throws IOException {
        Path file = fs.newDir("truncate").resolve("f");
        byte[] original = randomBytes(3 * MiB, 4);
        Files.write(file, original);

        int shortLength = (int) (1.5 * MiB) + 7;
        fs.python("os.truncate(args[0], int(args[1]))", file.toString(), Integer.toString(shortLength)).assertOk();
        assertEquals(shortLength, Files.size(file), "size after truncate(2) down");
        assertContentEquals(Arrays.copyOf(original, shortLength), file, "after truncate(2) down");

        int longLength = 5 * MiB + 3;
        fs.python("os.truncate(args[0], int(args[1]))", file.toString(), Integer.toString(longLength)).assertOk();
        assertEquals(longLength, Files.size(file), "size after truncate(2) up");
        // bytes past the old end must be zeros, not the data that was there before truncating down
        assertContentEquals(Arrays.copyOf(original, shortLength), longLength, file, "after truncate(2) up");
    }

    @Test
    void ftruncate_onOpenFile_changesSizeAndZeroFillsGrowth() throws IOException {
        Path file = fs.newDir("ftruncate").resolve("f");
        byte[] data = randomBytes(2 * MiB + 100, 5);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(data);
            raf.setLength(100);
            assertEquals(100, Files.size(file), "stat size right after ftruncate down on the open file");
            raf.setLength(2 * MiB + 100);
            assertEquals(2 * MiB + 100, raf.length(), "fstat size after ftruncate up");
            byte[] back = new byte[2 * MiB + 100];
            raf.seek(0);
            raf.readFully(back);
            assertArrayEquals(Arrays.copyOf(Arrays.copyOf(data, 100), 2 * MiB + 100), back,
                    "after ftruncate down to 100 and up again the rest reads as zeros (through the open file)");
        }
        assertContentEquals(Arrays.copyOf(data, 100), 2 * MiB + 100, file, "after close");
    }

    @Test
    void truncate_toZero_thenWrite_startsFresh() throws IOException {
        Path file = fs.newDir("trunc0").resolve("f");
        Files.write(file, randomBytes(BLOCK + 1, 6));
        try (FileChannel ch = FileChannel.open(file, WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            assertEquals(0, ch.size(), "O_TRUNC empties the file");
            writeFully(ch, "fresh".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0);
        }
        assertEquals("fresh", Files.readString(file), "content after O_TRUNC and a new write");
    }

    @Test
    void fsync_returnsAndDataIsReadable() throws IOException {
        Path file = fs.newDir("fsync").resolve("f");
        byte[] data = randomBytes(3 * MiB + 1, 7);
        try (FileChannel ch = FileChannel.open(file, CREATE_NEW, READ, WRITE)) {
            writeFully(ch, data, 0);
            ch.force(true);   // fsync
            writeFully(ch, data, data.length);
            ch.force(false);  // fdatasync
        }
        fs.python("""
                fd = os.open(args[0], os.O_RDONLY)
                os.fsync(fd)
                os.close(fd)
                dfd = os.open(os.path.dirname(args[0]), os.O_RDONLY)
                os.fsync(dfd)
                os.close(dfd)
                """, file.toString()).assertOk();
        assertContentEquals(apply(data, data, data.length), file, "after fsync and fdatasync");
    }

    @Test
    void readPastEnd_returnsEndOfFile() throws IOException {
        Path file = fs.newDir("eof").resolve("f");
        Files.write(file, randomBytes(1000, 8));
        try (FileChannel ch = FileChannel.open(file, READ)) {
            assertEquals(-1, ch.read(ByteBuffer.allocate(10), 1000), "read at the end returns EOF");
            assertEquals(-1, ch.read(ByteBuffer.allocate(10), 5 * MiB), "read far past the end returns EOF");
            ByteBuffer tail = ByteBuffer.allocate(100);
            assertEquals(10, ch.read(tail, 990), "a read straddling the end returns only the bytes before it");
        }
    }

    @Test
    void twoHandles_seeEachOthersWrites() throws IOException {
        Path file = fs.newDir("handles").resolve("f");
        try (FileChannel a = FileChannel.open(file, CREATE_NEW, READ, WRITE);
             FileChannel b = FileChannel.open(file, READ, WRITE)) {
            byte[] one = randomBytes(BLOCK + 10, 9);
            writeFully(a, one, 0);
            assertArrayEquals(one, readRange(b, 0, one.length), "written through handle A, read through handle B");
            byte[] two = randomBytes(20, 10);
            writeFully(b, two, BLOCK);
            byte[] expected = apply(one, two, BLOCK);
            assertArrayEquals(expected, readRange(a, 0, expected.length), "written through handle B, read through handle A");
        }
    }

    @Test
    void concurrentWriters_toDifferentBandsAndFiles_allLand() throws Exception {
        Path dir = fs.newDir("concurrent");
        Path shared = dir.resolve("shared.bin");
        Files.createFile(shared);
        int writers = 6;
        byte[][] regions = new byte[writers][];
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
        try {
            List<java.util.concurrent.Future<?>> futures = new java.util.ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int id = w;
                regions[w] = randomBytes(BAND, 1000 + w);
                futures.add(pool.submit(() -> {
                    // writer w owns band w of the shared file, in 64 KiB pieces, plus a file of its own
                    try (FileChannel ch = FileChannel.open(shared, WRITE)) {
                        for (int off = 0; off < BAND; off += 64 * KiB) {
                            writeFully(ch, Arrays.copyOfRange(regions[id], off, off + 64 * KiB), (long) id * BAND + off);
                        }
                    }
                    Files.write(dir.resolve("own-" + id), regions[id]);
                    return null;
                }));
            }
            for (var f : futures) {
                f.get(100, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        byte[] expected = new byte[writers * BAND];
        for (int w = 0; w < writers; w++) {
            System.arraycopy(regions[w], 0, expected, w * BAND, BAND);
            assertContentEquals(regions[w], dir.resolve("own-" + w), "file of writer " + w);
        }
        assertContentEquals(expected, shared, "shared file written by " + writers + " concurrent writers, one band each");
    }

    @Test
    void fallocate_extendsTheFileWithZeros() throws IOException {
        Path file = fs.newDir("fallocate").resolve("f");
        Files.writeString(file, "head");
        fs.python("""
                fd = os.open(args[0], os.O_RDWR)
                os.posix_fallocate(fd, 0, 3 * 1024 * 1024)
                os.close(fd)
                """, file.toString()).assertOk();
        assertEquals(3 * MiB, Files.size(file), "size after posix_fallocate of 3 MiB");
        assertContentEquals("head".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 3 * MiB, file,
                "fallocate keeps the data and the new range reads as zeros");
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void sequentialWrite_256MiB_readsBackWithTheSameChecksum() throws Exception {
        Path file = fs.newDir("big").resolve("256MiB.bin");
        long total = 256L * MiB;
        MessageDigest written = MessageDigest.getInstance("SHA-256");
        Random random = new Random(256);
        byte[] buf = new byte[MiB];
        long t0 = System.nanoTime();
        try (FileChannel ch = FileChannel.open(file, CREATE_NEW, WRITE)) {
            for (long off = 0; off < total; off += buf.length) {
                random.nextBytes(buf);
                written.update(buf);
                ByteBuffer bb = ByteBuffer.wrap(buf);
                while (bb.hasRemaining()) {
                    ch.write(bb);
                }
            }
        }
        long t1 = System.nanoTime();
        assertEquals(total, Files.size(file), "size of the 256 MiB file");
        MessageDigest read = MessageDigest.getInstance("SHA-256");
        try (FileChannel ch = FileChannel.open(file, READ)) {
            ByteBuffer bb = ByteBuffer.allocate(MiB);
            while (ch.read(bb) >= 0) {
                bb.flip();
                read.update(bb);
                bb.clear();
            }
        }
        long t2 = System.nanoTime();
        System.out.printf("[FileDataIT] 256 MiB sequential: write %.1f MB/s, read %.1f MB/s%n",
                total / 1e6 / ((t1 - t0) / 1e9), total / 1e6 / ((t2 - t1) / 1e9));
        assertEquals(HexFormat.of().formatHex(written.digest()), HexFormat.of().formatHex(read.digest()),
                "SHA-256 of the data read back equals that of the data written");
        Files.delete(file);
    }

    // ---------------------------------------------------------------- helpers

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Returns {@code base} with {@code patch} written at {@code offset}, grown (zero-filled) as needed. */
    static byte[] apply(byte[] base, byte[] patch, int offset) {
        byte[] result = base.length >= offset + patch.length ? base : Arrays.copyOf(base, offset + patch.length);
        System.arraycopy(patch, 0, result, offset, patch.length);
        return result;
    }

    static void writeFully(FileChannel ch, byte[] data, long offset) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(data);
        long pos = offset;
        while (bb.hasRemaining()) {
            pos += ch.write(bb, pos);
        }
    }

    static byte[] readFully(FileChannel ch) throws IOException {
        return readRange(ch, 0, (int) ch.size());
    }

    static byte[] readRange(FileChannel ch, long offset, int length) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(length);
        long pos = offset;
        while (bb.hasRemaining()) {
            int n = ch.read(bb, pos);
            if (n < 0) {
                break;
            }
            pos += n;
        }
        return Arrays.copyOf(bb.array(), bb.position());
    }

    static void assertRangeEquals(byte[] reference, FileChannel ch, long offset, int length, String when) throws IOException {
        int end = (int) Math.min(reference.length, offset + length);
        byte[] expected = Arrays.copyOfRange(reference, (int) offset, end);
        byte[] actual = readRange(ch, offset, length);
        assertBytesEqual(expected, actual, offset, when + ": read of " + length + " bytes at " + offset);
    }

    static void assertContentEquals(byte[] expected, Path file, String when) throws IOException {
        assertBytesEqual(expected, Files.readAllBytes(file), 0, when + ": content of " + file.getFileName());
    }

    /** The file has {@code prefix} followed by zeros up to {@code length}. */
    static void assertContentEquals(byte[] prefix, int length, Path file, String when) throws IOException {
        assertContentEquals(Arrays.copyOf(prefix, length), file, when);
    }

    /** Like assertArrayEquals, but names the first differing file offset instead of dumping megabytes. */
    static void assertBytesEqual(byte[] expected, byte[] actual, long baseOffset, String what) {
        int mismatch = Arrays.mismatch(expected, actual);
        if (mismatch >= 0) {
            String exp = mismatch < expected.length ? String.format("0x%02x", expected[mismatch]) : "EOF";
            String act = mismatch < actual.length ? String.format("0x%02x", actual[mismatch]) : "EOF";
            fail(what + ": expected " + expected.length + " bytes, got " + actual.length
                    + "; first difference at file offset " + (baseOffset + mismatch) + " (expected " + exp + ", got " + act + ")");
        }
    }
}
