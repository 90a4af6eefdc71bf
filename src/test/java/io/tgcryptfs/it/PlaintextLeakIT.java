package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Neither file contents nor names (nor xattrs or symlink targets) appear in plaintext anywhere under the
 * state directory except in {@code meta/} (LMDB on the trusted local machine): everything that goes to
 * the outbox, the cache and the backend is encrypted.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PlaintextLeakIT {

    static final int MiB = 1 << 20;

    @RegisterExtension
    static final MountFixture fs = new MountFixture();

    @Test
    void contentsAndNames_doNotAppearInPlaintext_outsideMeta() throws IOException {
        MountFixture.assumeNotBaseline();
        Map<String, byte[]> markers = new LinkedHashMap<>();
        String fileName = marker("file-name", markers);
        String dirName = marker("dir-name", markers);
        String renamedName = marker("renamed-name", markers);
        String content = marker("content", markers);
        String xattrName = marker("xattr-name", markers);
        String xattrValue = marker("xattr-value", markers);
        String symlinkTarget = marker("symlink-target", markers);
        String symlinkName = marker("symlink-name", markers);
        byte[] binaryContent = MountFixture.randomBytes(32);
        markers.put("binary content", binaryContent);

        Path root = fs.root();
        Path dir = Files.createDirectory(root.resolve(dirName));
        // a compressible file full of the marker: compression must not let it through
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            text.append("line ").append(i).append(' ').append(content).append('\n');
        }
        Files.writeString(dir.resolve(fileName + ".txt"), text);
        // a tiny file holding only the marker
        Files.writeString(root.resolve("tiny"), content);
        // incompressible data with the markers at block starts, straddling a block boundary, and inside
        byte[] big = FileDataIT.randomBytes(3 * MiB + 4096, 11);
        for (int at : new int[] {0, MiB - 20, 2 * MiB, 2 * MiB + 777, 3 * MiB + 1000}) {
            System.arraycopy(content.getBytes(StandardCharsets.US_ASCII), 0, big, at, 64);
        }
        System.arraycopy(binaryContent, 0, big, 3 * MiB + 2000, binaryContent.length);
        Files.write(dir.resolve("big.bin"), big);
        // two identical blocks (dedup) holding the marker
        byte[] block = FileDataIT.randomBytes(MiB, 12);
        System.arraycopy(content.getBytes(StandardCharsets.US_ASCII), 0, block, 500, 64);
        Files.write(root.resolve("dedup.bin"), FileDataIT.apply(block, block, MiB));

        Path withXattr = Files.createFile(root.resolve("xattr-holder"));
        XattrIT.view(withXattr).write(xattrName, ByteBuffer.wrap(xattrValue.getBytes(StandardCharsets.US_ASCII)));
        Files.createSymbolicLink(root.resolve(symlinkName), Path.of(symlinkTarget));
        Files.writeString(root.resolve("to-be-renamed"), "x");
        fs.python("os.rename(args[0], args[1])", root.resolve("to-be-renamed").toString(), root.resolve(renamedName).toString())
                .assertOk();

        fs.stop();

        Path state = fs.stateDir();
        Path meta = state.resolve("meta");
        List<String> leaks = new ArrayList<>();
        long scanned = 0;
        int files = 0;
        try (Stream<Path> walk = Files.walk(fs.dataHome())) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String relative = fs.dataHome().relativize(p).toString();
                for (var m : markers.entrySet()) {
                    if (relative.contains(new String(m.getValue(), StandardCharsets.ISO_8859_1))) {
                        leaks.add("the " + m.getKey() + " marker appears in the path " + relative);
                    }
                }
                if (p.startsWith(meta) || !Files.isRegularFile(p)) {
                    continue;
                }
                byte[] bytes = Files.readAllBytes(p);
                scanned += bytes.length;
                files++;
                for (var m : markers.entrySet()) {
                    int at = indexOf(bytes, m.getValue());
                    if (at >= 0) {
                        leaks.add("the " + m.getKey() + " marker appears in " + relative + " at byte " + at);
                    }
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (!leaks.isEmpty()) {
            fail("plaintext found under " + fs.dataHome() + " outside meta/:\n  " + String.join("\n  ", leaks));
        }
        assertTrue(scanned >= big.length, "the scan must cover the stored data: only " + scanned + " bytes in " + files
                + " files outside meta/, but " + big.length + " bytes of incompressible data were written");

        // and the data is all still there
        fs.start();
        assertEquals(text.toString(), Files.readString(dir.resolve(fileName + ".txt")), "marker text file after remount");
        FileDataIT.assertContentEquals(big, dir.resolve("big.bin"), "big.bin after remount");
        assertEquals(Path.of(symlinkTarget), Files.readSymbolicLink(root.resolve(symlinkName)), "symlink after remount");
    }

    /** A unique 64-hex-character marker, registered in {@code markers} as ASCII bytes. */
    private static String marker(String what, Map<String, byte[]> markers) {
        String m = HexFormat.of().formatHex(MountFixture.randomBytes(32));
        markers.put(what, m.getBytes(StandardCharsets.US_ASCII));
        return m;
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            if (haystack[i] != needle[0]) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
