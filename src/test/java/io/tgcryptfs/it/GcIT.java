package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** gc gives back the backend space of deleted files and keeps every live byte readable and intact. */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GcIT {
    @RegisterExtension
    static final MountFixture fs = new MountFixture().withProperty("pack.target-size", "4MiB")
            // only the newest restore point and its fallback are kept, so gc may delete at once
            .withProperty("metadata.retention.keep-within", "0s")
            .withProperty("metadata.retention.keep-hourly", "0")
            .withProperty("metadata.retention.keep-daily", "0");

    @Test
    void gc_afterDeletes_shrinksTheBackend_andLiveDataStaysIntact() throws IOException {
        Path dir = fs.newDir("gc");
        byte[] doomed = FileDataIT.randomBytes(9 << 20, 41);
        byte[] kept = FileDataIT.randomBytes((3 << 20) + 5, 42);
        Files.write(dir.resolve("doomed.bin"), doomed);
        Files.write(dir.resolve("kept.bin"), kept);
        fs.cli("sync").assertOk();
        long before = backendBytes();

        Files.delete(dir.resolve("doomed.bin"));
        fs.cli("sync").assertOk();
        String gc = fs.cli("gc").assertOk().stdout();
        long after = backendBytes();

        assertTrue(gc.contains("deleted"), gc);
        assertTrue(after < before - (6 << 20), "backend shrank from " + before + " to " + after + " bytes\n" + gc);
        assertArrayEquals(kept, Files.readAllBytes(dir.resolve("kept.bin")));
        assertTrue(fs.cli("verify").assertOk().stdout().contains("all intact"));

        fs.restart();
        assertArrayEquals(kept, Files.readAllBytes(dir.resolve("kept.bin")), "after remount");
    }

    private long backendBytes() throws IOException {
        try (Stream<Path> files = Files.list(fs.stateDir().resolve("backend").resolve("objects"))) {
            long total = 0;
            for (Path f : files.toList()) {
                total += Files.size(f);
            }
            return total;
        }
    }
}
