package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The size of the requests the kernel sends: libfuse 2 would take reads and writes in 128 KiB pieces;
 * the mount's INIT reply raises that to 1 MiB ({@code fuse.max-request-size}). libfuse's debug output
 * (the mount's log) names each request and its size as it arrives, before the reply.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FuseRequestIT {
    private static final int MIB = 1 << 20;
    /** A WRITE request's headers before its data: fuse_in_header (40) and fuse_write_in (40). */
    private static final int WRITE_HEADERS = 80;
    private static final Pattern WRITE = Pattern.compile("opcode: WRITE \\(16\\), nodeid: \\d+, insize: (\\d+)");
    private static final Pattern GETXATTR = Pattern.compile("opcode: GETXATTR \\(22\\)");
    private static final Pattern READ = Pattern.compile("read\\[\\d+\\] (\\d+) bytes from");

    @RegisterExtension
    static final MountFixture fs = new MountFixture().withProperty("fuse.debug", "true");

    @Test
    void aMebibyteWrite_isOneRequest_andReadsComeInPiecesLargerThanLibfuse2s() throws IOException {
        MountFixture.assumeNotBaseline();
        Path file = fs.newDir("requests").resolve("one-mebibyte");
        byte[] data = FileDataIT.randomBytes(MIB, 41);
        int before = sizes(WRITE).size();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            assertEquals(MIB, ch.write(ByteBuffer.wrap(data), 0), "one write(2) of 1 MiB");
        }
        List<Long> writes = sizes(WRITE).subList(before, sizes(WRITE).size());
        assertEquals(List.of((long) MIB + WRITE_HEADERS), writes, "WRITE requests (size with headers) for one 1 MiB write");

        // a new open drops the file's pages (no keep_cache): the read reaches the mount
        assertArrayEquals(data, Files.readAllBytes(file));
        long largestRead = sizes(READ).stream().mapToLong(Long::longValue).max().orElse(0);
        assertTrue(largestRead > 128 * 1024, "the largest READ request was " + largestRead + " bytes");
    }

    /**
     * FUSE_HANDLE_KILLPRIV_V2 (kernel 5.11 and later): the kernel no longer asks for
     * {@code security.capability} before each write; set-id bits are ours to drop (PermissionIT). And
     * under the writeback cache ({@code fuse.writeback-cache}) the kernel gathers small writes into
     * fewer, larger requests, all sent before close returns.
     */
    @Test
    void smallWrites_sendNoGetxattr_andReachTheMountGathered() throws IOException {
        MountFixture.assumeNotBaseline();
        Assumptions.assumeTrue(kernelAtLeast(5, 11), "FUSE_HANDLE_KILLPRIV_V2 needs Linux 5.11");
        Path file = fs.newDir("killpriv").resolve("small-writes");
        Files.write(file, new byte[64 << 10]);
        int before = count(GETXATTR);
        int writesBefore = sizes(WRITE).size();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (int i = 0; i < 16; i++) {
                ch.write(ByteBuffer.wrap(FileDataIT.randomBytes(4096, i)), i * 4096L);
            }
        }
        int writes = sizes(WRITE).size() - writesBefore;
        assertTrue(writes >= 1 && writes < 16, writes + " WRITE requests for 16 adjacent 4 KiB writes");
        assertEquals(0, count(GETXATTR) - before, "GETXATTR requests during 16 writes");

        fs.python("""
                try:
                    os.getxattr(args[0], 'user.none')
                except OSError as e:
                    assert e.errno == errno.ENODATA, e
                """, file.toString()).assertOk();
        assertTrue(count(GETXATTR) > before, "the log shows a GETXATTR when there is one");
    }

    private static boolean kernelAtLeast(int major, int minor) {
        Matcher m = Pattern.compile("^(\\d+)\\.(\\d+)").matcher(System.getProperty("os.version"));
        return m.find() && (Integer.parseInt(m.group(1)) > major
                || Integer.parseInt(m.group(1)) == major && Integer.parseInt(m.group(2)) >= minor);
    }

    private static int count(Pattern request) {
        int n = 0;
        Matcher m = request.matcher(fs.log());
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static List<Long> sizes(Pattern request) {
        List<Long> sizes = new ArrayList<>();
        Matcher m = request.matcher(fs.log());
        while (m.find()) {
            sizes.add(Long.parseLong(m.group(1)));
        }
        return sizes;
    }
}
