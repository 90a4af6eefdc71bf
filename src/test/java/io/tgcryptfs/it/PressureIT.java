package io.tgcryptfs.it;

import static java.nio.file.StandardOpenOption.READ;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The same data behaviours with tiny budgets: a 4 MiB dirty budget (writes must wait, not fail), a
 * 2 MiB plaintext cache and small packs (reads come back from sealed packs), and actors passivated
 * after 1 ms of idleness (no message may be lost in the handshake).
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PressureIT {

    static final int MiB = 1 << 20;

    @RegisterExtension
    static final MountFixture fs = new MountFixture()
            .withProperty("dirty.budget", "4MiB")
            .withProperty("dirty.expiry", "50ms")
            .withProperty("cache.plaintext-size", "2MiB")
            .withProperty("pack.target-size", "2MiB")
            .withProperty("engine.passivate-after", "1ms")
            // a stuck write fails in 30 s instead of the default 120 s, so a regression is reported quickly
            .withProperty("engine.ask-timeout", "30s")
            .withProperty("engine.write-timeout", "60s");

    @Test
    void concurrentRandomWrites_withTinyBudgets_allLandAndSurviveRemount() throws Exception {
        Path dir = fs.newDir("pressure");
        int writers = 4;
        int size = 24 * MiB;
        byte[][] references = new byte[writers][];
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int id = w;
                futures.add(pool.submit(() -> {
                    Random random = new Random(500 + id);
                    byte[] reference = new byte[size];
                    try (FileChannel ch = FileChannel.open(dir.resolve("f" + id), java.nio.file.StandardOpenOption.CREATE_NEW, READ, WRITE)) {
                        // a sequential pass, then random overwrites that hit sealed and evicted blocks
                        byte[] block = new byte[MiB];
                        for (int off = 0; off < size; off += MiB) {
                            random.nextBytes(block);
                            FileDataIT.writeFully(ch, block, off);
                            System.arraycopy(block, 0, reference, off, MiB);
                        }
                        for (int i = 0; i < 200; i++) {
                            byte[] piece = new byte[1 + random.nextInt(200_000)];
                            random.nextBytes(piece);
                            int at = random.nextInt(size - piece.length);
                            FileDataIT.writeFully(ch, piece, at);
                            System.arraycopy(piece, 0, reference, at, piece.length);
                            if (i % 20 == 0) {
                                int from = random.nextInt(size - MiB);
                                FileDataIT.assertRangeEquals(reference, ch, from, MiB, "writer " + id + " after overwrite #" + i);
                            }
                        }
                    }
                    references[id] = reference;
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(170, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        for (int w = 0; w < writers; w++) {
            FileDataIT.assertContentEquals(references[w], dir.resolve("f" + w), "file of writer " + w + " (tiny budgets)");
        }
        fs.restart();
        for (int w = 0; w < writers; w++) {
            FileDataIT.assertContentEquals(references[w], dir.resolve("f" + w), "file of writer " + w + " after remount");
        }
    }

    @Test
    void manySmallFiles_withActorsPassivatingConstantly_keepTheirMetadata() throws IOException {
        Path dir = fs.newDir("passivation");
        for (int i = 0; i < 300; i++) {
            Path f = dir.resolve("f" + i);
            Files.writeString(f, "content " + i);
            XattrIT.view(f).write("n", XattrIT.utf8(Integer.toString(i)));
            if (i % 3 == 0) {
                Files.createLink(dir.resolve("l" + i), f);
            }
        }
        for (int i = 0; i < 300; i++) {
            Path f = dir.resolve("f" + i);
            assertEquals("content " + i, Files.readString(f), "content of f" + i);
            assertEquals(Integer.toString(i), XattrIT.read(XattrIT.view(f), "n"), "xattr of f" + i);
            assertEquals(i % 3 == 0 ? 2 : 1, Stat.of(f).nlink(), "nlink of f" + i);
        }
    }
}
