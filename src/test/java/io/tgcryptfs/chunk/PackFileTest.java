package io.tgcryptfs.chunk;

import io.tgcryptfs.fs.PackId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PackFileTest {
    @TempDir
    Path dir;

    private Path file(byte[] content) throws IOException {
        return Files.write(dir.resolve("p.pack"), content);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] read(PackFile f, long offset, int length) throws IOException {
        byte[] out = new byte[length];
        f.read(out, offset);
        return out;
    }

    @Test
    void smallAndLargeReads_returnTheBytesAtTheirOffset() throws IOException {
        byte[] content = random(3 << 20, 1);
        PackFile f = new PackFile(FileChannel.open(file(content), StandardOpenOption.READ));
        assertTrue(f.acquire());
        assertArrayEquals(Arrays.copyOfRange(content, 12_345, 12_345 + 8_208), read(f, 12_345, 8_208));
        assertArrayEquals(Arrays.copyOfRange(content, 1 << 20, (1 << 20) + PackFile.SMALL_READ),
                read(f, 1 << 20, PackFile.SMALL_READ));
        assertArrayEquals(Arrays.copyOfRange(content, 7, 7 + (1 << 20)), read(f, 7, 1 << 20));
        f.release();
        f.close();
    }

    @Test
    void readPastTheEnd_isAShortCopy_smallOrLarge() throws IOException {
        PackFile f = new PackFile(FileChannel.open(file(random(100_000, 2)), StandardOpenOption.READ));
        assertTrue(f.acquire());
        assertThrows(PackCache.ShortCopy.class, () -> read(f, 99_000, 4096));
        assertThrows(PackCache.ShortCopy.class, () -> read(f, 0, PackFile.SMALL_READ * 2));
        f.release();
        f.close();
    }

    @Test
    void aGrowingPack_isReadPastItsFirstMapping() throws IOException {
        byte[] first = random(200_000, 3);
        Path path = file(first);
        PackFile f = new PackFile(FileChannel.open(path, StandardOpenOption.READ));
        assertTrue(f.acquire());
        assertArrayEquals(Arrays.copyOfRange(first, 100, 4196), read(f, 100, 4096)); // mapped at 200,000 bytes
        byte[] more = random(3 << 20, 4);
        try (FileChannel w = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            w.write(ByteBuffer.wrap(more, 0, 10_000)); // less than a remap step: read through the channel
            assertArrayEquals(Arrays.copyOfRange(more, 0, 4096), read(f, first.length, 4096));
            w.write(ByteBuffer.wrap(more, 10_000, more.length - 10_000)); // mapped again
            assertArrayEquals(Arrays.copyOfRange(more, 2 << 20, (2 << 20) + 4096), read(f, first.length + (2 << 20), 4096));
        }
        assertArrayEquals(Arrays.copyOfRange(first, 100, 4196), read(f, 100, 4096));
        f.release();
        f.close();
    }

    @Test
    void close_waitsForTheLastReader_thenClosesTheFile() throws IOException {
        byte[] content = random(1 << 20, 5);
        FileChannel ch = FileChannel.open(file(content), StandardOpenOption.READ);
        PackFile f = new PackFile(ch);
        assertTrue(f.acquire());
        read(f, 0, 4096); // mapped
        f.close();
        assertFalse(f.acquire(), "no reader enters a closed file");
        // the reader inside still reads: nothing was unmapped under it
        assertArrayEquals(Arrays.copyOfRange(content, 500_000, 504_096), read(f, 500_000, 4096));
        assertTrue(ch.isOpen());
        f.release();
        assertFalse(ch.isOpen(), "the last reader out frees the file");
    }

    @Test
    void close_withoutReaders_closesAtOnce() throws IOException {
        FileChannel ch = FileChannel.open(file(random(10, 6)), StandardOpenOption.READ);
        new PackFile(ch).close();
        assertFalse(ch.isOpen());
    }

    @Test
    void openPacks_handsOutOneFilePerPack_untilForgotten() throws IOException {
        Path path = file(random(10_000, 7));
        OpenPacks open = new OpenPacks();
        PackId pack = PackId.random(new Random(1));
        PackFile a = open.acquire(pack, () -> FileChannel.open(path, StandardOpenOption.READ));
        PackFile b = open.acquire(pack, () -> FileChannel.open(path, StandardOpenOption.READ));
        assertSame(a, b);
        open.forget(pack);
        PackFile c = open.acquire(pack, () -> FileChannel.open(path, StandardOpenOption.READ));
        assertFalse(a == c, "a forgotten file is opened again");
        a.release();
        b.release();
        c.release();
    }

    @Test
    void closeAll_closesEveryFile_afterItsLastReader() throws IOException {
        Path path = file(random(10_000, 11));
        OpenPacks open = new OpenPacks();
        Random ids = new Random(2);
        FileChannel[] channels = new FileChannel[3];
        PackFile held = null;
        for (int i = 0; i < channels.length; i++) {
            int n = i;
            PackFile f = open.acquire(PackId.random(ids), () -> channels[n] = FileChannel.open(path, StandardOpenOption.READ));
            if (i == 0) {
                held = f;
            } else {
                f.release();
            }
        }
        open.closeAll();
        assertTrue(channels[0].isOpen(), "a reader is still inside");
        assertFalse(channels[1].isOpen());
        assertFalse(channels[2].isOpen());
        held.release();
        assertFalse(channels[0].isOpen());
    }

    /**
     * Readers copying from mappings while files are forgotten and evicted all the time: an unmap under a
     * reader would crash the JVM (and this test with it); every read must return the file's bytes.
     */
    @Test
    void readersAndForgets_race_withoutUnmappingUnderAReader() throws Exception {
        int packs = 40; // more than OpenPacks keeps open, so eviction closes files too
        List<byte[]> contents = new ArrayList<>();
        List<Path> paths = new ArrayList<>();
        List<PackId> ids = new ArrayList<>();
        Random ids0 = new Random(8);
        for (int i = 0; i < packs; i++) {
            contents.add(random(256 << 10, 100 + i));
            paths.add(Files.write(dir.resolve("p" + i), contents.get(i)));
            ids.add(PackId.random(ids0));
        }
        OpenPacks open = new OpenPacks();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            List<Future<Long>> readers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long seed = t;
                readers.add(pool.submit(() -> {
                    Random rnd = new Random(seed);
                    long reads = 0;
                    while (reads < 20_000) {
                        int p = rnd.nextInt(packs);
                        int at = rnd.nextInt((256 << 10) - 8192);
                        PackFile f = open.acquire(ids.get(p), () -> FileChannel.open(paths.get(p), StandardOpenOption.READ));
                        try {
                            assertArrayEquals(Arrays.copyOfRange(contents.get(p), at, at + 8192), read(f, at, 8192));
                        } finally {
                            f.release();
                        }
                        reads++;
                    }
                    return reads;
                }));
            }
            Future<?> forgetter = pool.submit(() -> {
                Random rnd = new Random(9);
                while (!stop.get()) {
                    open.forget(ids.get(rnd.nextInt(packs)));
                }
            });
            long total = 0;
            for (Future<Long> r : readers) {
                total += r.get(60, TimeUnit.SECONDS);
            }
            stop.set(true);
            forgetter.get(30, TimeUnit.SECONDS);
            assertTrue(total == 80_000, "every read checked: " + total);
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
    }
}
