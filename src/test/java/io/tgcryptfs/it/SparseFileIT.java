package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Holes store nothing: a 10 GiB file with one byte written costs about one block. Needs its own volume to measure. */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SparseFileIT {

    static final long GiB = 1L << 30;
    static final long MAX_STORED = 8L << 20;

    @RegisterExtension
    static final MountFixture fs = new MountFixture();

    @Test
    void oneByteAt10GiB_sizeIs10GiBPlusOne_holesReadZeros_andAlmostNothingIsStored() throws IOException {
        MountFixture.assumeNotBaseline();
        Path file = fs.root().resolve("sparse.img");
        long offset = 10 * GiB;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            assertEquals(1, ch.write(ByteBuffer.wrap(new byte[] {42}), offset), "one byte written at 10 GiB");
        }
        assertEquals(offset + 1, Files.size(file), "size of a file with one byte written at 10 GiB");
        long whileWritten = allocatedBytes(file);
        assertTrue(whileWritten > 0 && whileWritten <= (1 << 20), "st_blocks right after the write counts the "
                + "block written, not the 10 GiB of holes (cp and rsync would fill them): " + whileWritten + " bytes");
        assertHolesAndByte(file, offset, "while mounted");

        fs.stop();
        long stored = bytesUnder(fs.stateDir().resolve("backend")) + bytesUnder(fs.stateDir().resolve("outbox"));
        assertTrue(stored < MAX_STORED, "backend/ + outbox/ hold " + stored + " bytes after unmount; "
                + "a 10 GiB file with one byte written must store far less than " + MAX_STORED);

        fs.start();
        assertEquals(offset + 1, Files.size(file), "size after remount");
        assertHolesAndByte(file, offset, "after remount");
        long allocated = allocatedBytes(file);
        assertTrue(allocated > 0 && allocated <= (1 << 20),
                "st_blocks counts the one stored block, not the holes: " + allocated + " bytes");
    }

    /**
     * GNU tar --sparse archives a file that shows no blocks as all holes without reading it. A file still
     * open, its bytes in the kernel's page cache or unsealed, showed none, and tar archived zeros for it
     * (1 of 20 tries); ext4 counts such bytes at once. Runs on ext4 unchanged.
     */
    @Test
    void aFileStillBeingWritten_showsBlocks_soTarSparseArchivesItsBytes() {
        Path dir = fs.newDir("tarsparse");
        String out = fs.python("""
                import subprocess
                d = args[0]
                wrong = 0
                for i in range(5):
                    p = os.path.join(d, "f%d" % i)
                    data = os.urandom(100000)
                    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                    os.write(fd, data)
                    blocks = os.fstat(fd).st_blocks
                    tar = os.path.join(d, "a.tar")
                    subprocess.run(["tar", "-cSf", tar, "-C", d, "f%d" % i], check=True)
                    os.close(fd)
                    back = subprocess.run(["tar", "-xOf", tar], check=True, capture_output=True).stdout
                    wrong += back != data or blocks == 0
                print(wrong)
                """, dir.toString()).assertOk().out();
        assertEquals("0", out.strip(), "files whose archive differs from them or that showed no blocks while written, of 5");
    }

    /**
     * SEEK_DATA and SEEK_HOLE find a closed file's data, so cp, tar --sparse and qemu-img copy a sparse
     * image by it; until session 22 every file was data up to its end and a copy read every hole. While
     * a handle may write the file, the kernel's cache may hold what no block shows yet: the call may be
     * declined then (EINVAL, on which those tools read the file whole), and must never skip data. Holes are whole blocks here (256 KiB), 4 KiB on ext4, where the
     * same two scripts print the same (checked by hand: the baseline mode skips this for its `sync`).
     */
    @Test
    void seekDataAndHole_findAClosedFilesData_andNeverSkipData() {
        Path file = fs.newDir("seek").resolve("image");
        String open = fs.python("""
                G = 1 << 30
                fd = os.open(args[0], os.O_RDWR | os.O_CREAT, 0o644)
                os.pwrite(fd, b"a" * 4096, 0)
                os.pwrite(fd, b"b" * 4096, 2 * G)
                os.ftruncate(fd, 4 * G)
                def seek(at, whence):  # EINVAL: declined (the kernel may hold writes), read it whole
                    try:
                        return os.lseek(fd, at, whence)
                    except OSError as e:
                        if e.errno != errno.EINVAL:
                            raise
                        return "declined"
                data, hole = seek(1 << 20, os.SEEK_DATA), seek(2 * G, os.SEEK_HOLE)
                print(data == "declined" or data <= 2 * G, hole == "declined" or hole >= 2 * G + 4096)
                os.close(fd)
                """, file.toString()).assertOk().out();
        assertEquals("True True", open.strip(), "open for writing: no data skipped");
        fs.cli("sync").assertOk(); // every byte in a stored block
        String closed = fs.python("""
                G = 1 << 30
                fd = os.open(args[0], os.O_RDONLY)
                hole = os.lseek(fd, 0, os.SEEK_HOLE)
                print(os.lseek(fd, 0, os.SEEK_DATA), 4096 <= hole <= 1 << 20, os.lseek(fd, 1 << 20, os.SEEK_DATA) == 2 * G,
                      2 * G + 4096 <= os.lseek(fd, 2 * G + 100, os.SEEK_HOLE) <= 2 * G + (1 << 20))
                print(os.pread(fd, 4096, hole) == bytes(4096), os.pread(fd, 4096, 2 * G - 4096) == bytes(4096))
                try:
                    print(os.lseek(fd, 2 * G + (1 << 20), os.SEEK_DATA))
                except OSError as e:
                    print(errno.errorcode[e.errno])
                """, file.toString()).assertOk().out();
        assertEquals("0 True True True\nTrue True\nENXIO", closed.strip(),
                "data at 0 and 2 GiB, holes between and after, each hole reading zeros");
    }

    /** fallocate's hole punching zeros the range, keeps the size, and the punched blocks stop taking space. */
    @Test
    void punchingAHole_zerosTheRange_keepsTheSize_andFreesTheBlocks() {
        Path dir = fs.newDir("punch");
        Path file = dir.resolve("f");
        fs.python("""
                data = bytes(range(256)) * 4096  # 1 MiB, four blocks
                with open(args[0], "wb") as f:
                    f.write(data)
                """, file.toString()).assertOk();
        fs.cli("sync").assertOk();
        String out = fs.python("""
                import ctypes
                libc = ctypes.CDLL(None, use_errno=True)
                fd = os.open(args[0], os.O_RDWR)
                check(libc.fallocate(fd, 3, ctypes.c_long(256 << 10), ctypes.c_long(512 << 10)))  # PUNCH_HOLE | KEEP_SIZE
                os.close(fd)
                with open(args[0], "rb") as f:
                    data = f.read()
                expected = bytes(range(256)) * 4096
                expected = expected[:256 << 10] + bytes(512 << 10) + expected[768 << 10:]
                print(len(data), data == expected)
                """, file.toString()).assertOk().out();
        assertEquals("1048576 True", out.strip(), "size kept, the range zeros, the rest as written");
        fs.cli("sync").assertOk();
        long allocated = allocatedBytes(file);
        assertEquals(2 * 256 * 1024, allocated, "two of the four blocks stored, the punched two not");
    }

    /**
     * Under the writeback cache the kernel keeps a file's times and shows its own: a fallocate, or a
     * truncate(2) to the size the file has, that moved them on our side showed one time before a remount
     * and another after (SyscallOracleIT found both).
     */
    @Test
    void fallocateAndATruncateToTheSameSize_leaveTheTimesTheKernelShows_acrossARemount() throws IOException {
        Path dir = fs.newDir("falloctimes");
        fs.python("""
                import ctypes
                libc = ctypes.CDLL(None, use_errno=True)
                for i in range(20):
                    fd = os.open(os.path.join(args[0], "f%d" % i), os.O_RDWR | os.O_CREAT, 0o644)
                    os.write(fd, b"x" * 5000)
                    check(libc.fallocate(fd, 0, ctypes.c_long(0), ctypes.c_long(300000)))  # grows the file
                    check(libc.fallocate(fd, 3, ctypes.c_long(0), ctypes.c_long(4096)))  # punches a hole
                    os.close(fd)
                    os.truncate(os.path.join(args[0], "f%d" % i), 300000)  # the size it has: no times move
                """, dir.toString()).assertOk();
        TreeState shown = TreeState.of(dir, true);
        fs.restart();
        assertEquals(List.of(), TreeState.differences(shown, TreeState.of(dir, true)), "the tree, times included, after a remount");
    }

    private static void assertHolesAndByte(Path file, long offset, String when) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (long at : new long[] {0, 1L << 20, 5 * GiB + 12345, offset - (1 << 20), offset - 4096}) {
                ByteBuffer bb = ByteBuffer.allocate(4096);
                int n = ch.read(bb, at);
                assertEquals(4096, n, when + ": read of a hole at " + at + " returns full length");
                assertArrayEquals(new byte[4096], bb.array(), when + ": hole at " + at + " reads as zeros");
            }
            ByteBuffer last = ByteBuffer.allocate(10);
            assertEquals(1, ch.read(last, offset), when + ": read at 10 GiB returns exactly the last byte");
            assertEquals(42, last.get(0), when + ": the byte at 10 GiB");
            ByteBuffer around = ByteBuffer.allocate(8);
            assertEquals(8, ch.read(around, offset - 7), when + ": read across the end of the hole");
            assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 42}, around.array(), when + ": seven zeros then the byte");
        }
    }

    /** Apparent size of all regular files under dir (0 if it does not exist). */
    static long bytesUnder(Path dir) {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The kernel lets a FUSE file grow to 2^63 - 1 bytes. A write a byte short of that looped until the
     * heap ran out (the end of its band did not fit in a long), and the mount stopped serving. Past the
     * largest size (4 EiB) a write is now refused: with EFBIG at its fsync, since the writeback cache took
     * it first; a truncate at once. The mount goes on, and the last byte of the largest file works across
     * a remount.
     */
    @Test
    void writesPastTheLargestFile_areRefused_theMountGoesOn_andTheLastByteWorks() throws IOException {
        MountFixture.assumeNotBaseline();
        Path file = fs.newDir("largest").resolve("f");
        String out = fs.python("""
                import errno
                def err(call):
                    try:
                        call()
                        return "ok"
                    except OSError as e:
                        return errno.errorcode[e.errno]
                fd = os.open(args[0], os.O_CREAT | os.O_RDWR, 0o644)
                os.pwrite(fd, b"Z", (1 << 63) - 2)  # taken by the page cache
                print("fsync", err(lambda: os.fsync(fd)))
                print("ftruncate", err(lambda: os.ftruncate(fd, (1 << 63) - 1)))
                os.pwrite(fd, b"Y", (1 << 62) - 1)
                os.fsync(fd)
                os.close(fd)
                with open(os.path.join(os.path.dirname(args[0]), "after"), "wb") as f:
                    f.write(bytes(range(256)) * 4096)
                """, file.toString()).assertOk().out();
        assertEquals("fsync EFBIG\nftruncate EFBIG", out.strip(), "writes and sizes past 4 EiB refused");

        fs.stop();
        fs.start();
        assertEquals(1L << 62, Files.size(file), "the largest size, set by the last byte");
        String last = fs.python("""
                with open(args[0], "rb") as f:
                    f.seek((1 << 62) - 2)
                    print(f.read(4))
                with open(os.path.join(os.path.dirname(args[0]), "after"), "rb") as f:
                    print(f.read() == bytes(range(256)) * 4096)
                """, file.toString()).assertOk().out();
        assertEquals("b'\\x00Y'\nTrue", last.strip(), "the last byte, and a file written after the refusals");
    }

    private static long allocatedBytes(Path file) {
        return 512L * Long.parseLong(fs.run("stat", "-c", "%b", file.toString()).assertOk().stdout().strip());
    }
}
