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

    private static List<Long> sizes(Pattern request) {
        List<Long> sizes = new ArrayList<>();
        Matcher m = request.matcher(fs.log());
        while (m.find()) {
            sizes.add(Long.parseLong(m.group(1)));
        }
        return sizes;
    }
}
