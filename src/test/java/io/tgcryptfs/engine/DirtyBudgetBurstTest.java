package io.tgcryptfs.engine;

import io.tgcryptfs.gateway.Caller;
import io.tgcryptfs.testing.Await;
import io.tgcryptfs.testing.FixtureOptions;
import io.tgcryptfs.testing.VolumeFixture;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With a budget of a few blocks, a burst of writes to many bands waits its turn; none fails or is lost. */
class DirtyBudgetBurstTest extends VolumeFixture {
    private static final int BS = 4096;
    private static final int BAND = 4 * BS;

    private void open() {
        open(BAND);
    }

    private void open(int bandSize) {
        // 4 blocks of budget; partial blocks are sealed only under pressure (no expiry during the test)
        openVolume(FixtureOptions.defaults().blockSize(BS).bandSize(bandSize).uploads(false)
                .dirtyBudgetBytes(4 * BS).dirtyExpiry(Duration.ofMinutes(10)).askTimeout(Duration.ofSeconds(5)));
    }

    @Test
    void sequentialPartialWrites_toManyBands_overTheBudget_allComplete() {
        open();
        long h = vol.gateway.create("/f", 0644, Caller.ROOT);
        int bands = 12;
        byte[] expected = new byte[bands * BAND];
        vol.gateway.ftruncate(h, expected.length);
        Random random = new Random(1);
        for (int band = 0; band < bands; band++) {
            for (int blk = 0; blk < 4; blk++) {
                int at = band * BAND + blk * BS + 7;
                byte[] data = new byte[100];
                random.nextBytes(data);
                vol.gateway.write(h, at, data);
                System.arraycopy(data, 0, expected, at, data.length);
            }
        }
        assertArrayEquals(expected, vol.gateway.read(h, 0, expected.length));
        vol.gateway.syncAll(); // seals everything (an fsync only journals)
        assertEquals(0, vol.budget.dirtyBytes());
        vol.gateway.release(h);
    }

    @Test
    void concurrentBurst_ofPartialWrites_toManyBands_waitsButNeverFails() throws Exception {
        open();
        int writers = 8;
        int bandsEach = 4;
        ExecutorService threads = Executors.newFixedThreadPool(writers);
        try {
            List<Future<byte[]>> results = new ArrayList<>();
            for (int t = 0; t < writers; t++) {
                String path = "/burst" + t;
                long seed = t;
                long h = vol.gateway.create(path, 0644, Caller.ROOT);
                results.add(threads.submit(() -> {
                    Random random = new Random(seed);
                    byte[] expected = new byte[bandsEach * BAND];
                    for (int round = 0; round < 3; round++) {
                        for (int band = 0; band < bandsEach; band++) {
                            for (int blk = 0; blk < 4; blk++) {
                                int at = band * BAND + blk * BS + random.nextInt(BS - 200);
                                byte[] data = new byte[1 + random.nextInt(199)];
                                random.nextBytes(data);
                                vol.gateway.write(h, at, data);
                                System.arraycopy(data, 0, expected, at, data.length);
                            }
                        }
                    }
                    vol.gateway.release(h);
                    return expected;
                }));
            }
            for (int t = 0; t < writers; t++) {
                byte[] expected = results.get(t).get(30, TimeUnit.SECONDS);
                byte[] actual = vol.readFile("/burst" + t);
                assertArrayEquals(expected, Arrays.copyOf(actual, expected.length), "file " + t);
            }
        } finally {
            threads.shutdownNow();
        }
        Await.until(() -> vol.budget.dirtyBytes() == 0, "every reservation released after release()");
    }

    @Test
    void oneBandDirtyingMoreBlocksThanTheBudget_queuesItsWrites_andAnswersThemInOrder_beforeLaterReads() {
        int wideBand = 8 * BS; // twice the budget
        open(wideBand);
        long h = vol.gateway.create("/f", 0644, Caller.ROOT);
        vol.gateway.truncate("/f", 2L * wideBand);
        vol.gateway.release(h);
        long ino = vol.ino("/f");
        TestProbe<FsResult<Done>> replies = vol.testKit.createTestProbe();
        BandKey key = new BandKey(ino, 1);
        byte[] expected = new byte[wideBand];
        Random random = new Random(2);
        for (int i = 0; i < 60; i++) {
            int at = random.nextInt(wideBand - 50);
            byte[] data = new byte[1 + random.nextInt(49)];
            random.nextBytes(data);
            vol.bands.tell(new EntityRegistry.Deliver<>(key, new Band.Write(wideBand + at, data, replies.getRef()::tell)));
            System.arraycopy(data, 0, expected, at, data.length);
        }
        // sent before any write is answered: writers hand writes over without waiting (gateway.WriteBehind),
        // so a read behind writes still waiting for room must wait with them
        TestProbe<FsResult<byte[]>> read = vol.testKit.createTestProbe();
        vol.bands.tell(new EntityRegistry.Deliver<>(key, new Band.Read(wideBand, wideBand, read.getRef())));
        for (int i = 0; i < 60; i++) {
            assertInstanceOf(FsResult.Ok.class, replies.receiveMessage());
        }
        assertArrayEquals(expected, read.receiveMessage().orThrow());
        assertTrue(vol.budget.dirtyBytes() <= 4L * BS, "never more dirty than the budget");
    }
}
