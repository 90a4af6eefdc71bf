package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every fsync'd byte survives kill -9. Blocks are sealed only after a long expiry here, so at each kill
 * the fsync'd writes exist only in the write journal: the restart must replay them. Seeded: small
 * random writes (Time Machine's pattern) into files of four bands, fsync every few writes, SIGKILL right after
 * an fsync returned, remount, compare with what was fsync'd. {@code -Djournal.seed}, {@code -Djournal.rounds}.
 */
@Timeout(value = 600, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JournalCrashIT {
    private static final long SEED = Long.getLong("journal.seed", 20_261_128L);
    private static final int ROUNDS = Integer.getInteger("journal.rounds", 20);
    private static final int BAND = 8 << 20;
    /**
     * Each file spans four bands, so an fsync gathers records from several band actors and some bands
     * get no write between two fsyncs.
     */
    private static final int SPAN = 4 * BAND;

    @RegisterExtension
    static final MountFixture fs = new MountFixture()
            .withProperty("dirty.expiry", "10m")
            .withProperty("dirty.max-age", "10m")
            .withProperty("engine.passivate-after", "10m");

    @Test
    void everyFsyncdByte_survivesKill9() throws Exception {
        System.out.printf("[JournalCrashIT] seed %d, %d rounds (-Djournal.seed, -Djournal.rounds)%n", SEED, ROUNDS);
        crashRounds(fs, "JournalCrashIT", SEED, ROUNDS, true);
    }

    /**
     * Seeded rounds of writes and fsyncs into two band files kept open, SIGKILL, restart, compare with
     * what was fsync'd. With {@code replayed} every restart must have replayed the journal (no block is
     * sealed before the kill when the fixture's expiry is long).
     */
    static void crashRounds(MountFixture fs, String name, long seed, int rounds, boolean replayed) throws Exception {
        Random random = new Random(seed);
        Path dir = fs.newDir("journal");
        Path[] bands = {dir.resolve("band-0"), dir.resolve("band-1")};
        byte[][] durable = {new byte[0], new byte[0]};
        for (int round = 1; round <= rounds; round++) {
            int writes = 1 + random.nextInt(60);
            int fsyncEvery = 1 + random.nextInt(8);
            FileChannel[] open = new FileChannel[bands.length];
            for (int b = 0; b < bands.length; b++) {
                // kept open through the kill: a close would seal what no fsync journaled
                open[b] = FileChannel.open(bands[b], StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                durable[b] = writeAndFsync(open[b], durable[b], random, writes, fsyncEvery);
            }
            long t0 = System.nanoTime();
            fs.crash();
            for (FileChannel ch : open) {
                closeQuietly(ch);
            }
            long t1 = System.nanoTime();
            fs.start();
            System.out.printf("[%s] round %d: crash %d ms, restart %d ms%n", name, round, (t1 - t0) / 1_000_000,
                    (System.nanoTime() - t1) / 1_000_000);
            if (replayed) {
                assertTrue(fs.log().contains("replayed"), "the restart replayed the journal\n" + fs.logTail());
            }
            for (int b = 0; b < bands.length; b++) {
                byte[] actual = Files.readAllBytes(bands[b]);
                int r = round;
                int file = b;
                assertEquals(durable[b].length, actual.length, () -> "size of band " + file + " after round " + r);
                assertArrayEquals(durable[b], actual, () -> "content of band " + file + " after round " + r
                        + " (first difference at " + Arrays.mismatch(durable[file], actual) + ")");
            }
        }
    }

    /** Random writes, an fsync every few and at the end; returns the content as of the last fsync. */
    private static byte[] writeAndFsync(FileChannel ch, byte[] before, Random random, int writes, int fsyncEvery)
            throws Exception {
        byte[] content = Arrays.copyOf(before, SPAN);
        int size = before.length;
        {
            for (int i = 1; i <= writes; i++) {
                int length = 1 + random.nextInt(16 << 10);
                int at = random.nextInt(SPAN - length);
                byte[] data = new byte[length];
                random.nextBytes(data);
                ByteBuffer buffer = ByteBuffer.wrap(data);
                while (buffer.hasRemaining()) {
                    ch.write(buffer, at + buffer.position());
                }
                System.arraycopy(data, 0, content, at, length);
                size = Math.max(size, at + length);
                if (i % fsyncEvery == 0 || i == writes) {
                    ch.force(false);
                }
            }
        }
        return Arrays.copyOf(content, size);
    }

    /** The file system under the descriptor died with the process; its close can only fail. */
    static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (java.io.IOException ignored) {
            // ENOTCONN from the dead mount
        }
    }
}
