package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** `verify` authenticates what the backend holds, and a flipped byte there is reported, never served. */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VerifyIT {
    @RegisterExtension
    static final MountFixture fs = new MountFixture();

    @Test
    void verify_findsEveryChunkIntact_thenReportsAByteFlippedOnTheBackend() throws IOException {
        Path dir = fs.newDir("verify");
        byte[] data = FileDataIT.randomBytes(3 << 20, 21);
        Files.write(dir.resolve("data.bin"), data);
        fs.cli("sync").assertOk();

        String clean = fs.cli("verify").assertOk().stdout();
        assertTrue(clean.contains("all intact"), clean);

        Path object = objects().get(0);
        try (FileChannel ch = FileChannel.open(object, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            long at = ch.size() / 2;
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x40)).rewind();
            ch.write(b, at);
        }

        String local = fs.cli("verify", "--local").assertOk().stdout();
        assertTrue(local.contains("all intact"), "the cached copy is still good: " + local);
        ToolResult remote = fs.cli("verify");
        assertNotEquals(0, remote.exitCode(), remote.stdout());
        assertTrue(remote.stdout().contains("DAMAGED on the backend"), remote.stdout());
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("data.bin")), "the good local copy is still served");
    }

    private List<Path> objects() throws IOException {
        try (Stream<Path> files = Files.list(fs.stateDir().resolve("backend").resolve("objects"))) {
            List<Path> packs = files.filter(p -> p.getFileName().toString().matches("[0-9a-f]{32}"))
                    .filter(p -> {
                        try {
                            return Files.size(p) > (1 << 20); // a data pack, not a metadata snapshot
                        } catch (IOException e) {
                            return false;
                        }
                    }).toList();
            assertEquals(false, packs.isEmpty(), "a data pack on the backend");
            return packs;
        }
    }
}
