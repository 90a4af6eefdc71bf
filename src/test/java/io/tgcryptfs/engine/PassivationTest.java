package io.tgcryptfs.engine;

import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.gateway.Caller;
import io.tgcryptfs.gateway.FsGateway;
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

/** Idle band and inode actors stop, and nothing sent to them around that moment is lost. */
class PassivationTest extends VolumeFixture {
    private static final int BS = 4096;
    private static final int BAND = 4 * BS;

    private static FixtureOptions quickPassivation(Duration passivateAfter, Duration dirtyExpiry) {
        return FixtureOptions.defaults().blockSize(BS).bandSize(BAND).uploads(false)
                .passivateAfter(passivateAfter).dirtyExpiry(dirtyExpiry);
    }

    @Test
    void idleBands_stop_andServeTheirDataAfterwards() {
        openVolume(quickPassivation(Duration.ofMillis(50), Duration.ofMillis(40)));
        long h = vol.gateway.create("/f", 0644, Caller.ROOT);
        long ino = vol.ino("/f");
        Random random = new Random(3);
        byte[] data = new byte[6 * BAND];
        random.nextBytes(data);
        TestProbe<FsResult<Done>> replies = vol.testKit.createTestProbe();
        vol.gateway.truncate("/f", data.length);
        for (int band = 0; band < 6; band++) {
            // partial blocks: they stay dirty until the expiry seals them
            for (int blk = 0; blk < 4; blk++) {
                int at = band * BAND + blk * BS;
                vol.bands.tell(new EntityRegistry.Deliver<>(new BandKey(ino, band),
                        new Band.Write(at, Arrays.copyOfRange(data, at, at + BS - 1), replies.getRef()::tell)));
            }
        }
        for (int i = 0; i < 24; i++) {
            assertInstanceOf(FsResult.Ok.class, replies.receiveMessage());
        }
        for (int band = 0; band < 6; band++) {
            for (int blk = 0; blk < 4; blk++) {
                data[band * BAND + blk * BS + BS - 1] = 0; // never written
            }
        }
        assertEquals(6, vol.liveBands());

        Await.until(() -> vol.liveBands() == 0, "every idle band to stop");
        assertEquals(0, vol.budget.dirtyBytes(), "nothing dirty was dropped");
        int before = vol.bandIncarnations.get();
        assertArrayEquals(data, vol.gateway.read(h, 0, data.length));
        assertEquals(before, vol.bandIncarnations.get(), "reads of sealed bands come straight from the store");
        vol.gateway.release(h);
    }

    @Test
    void idleInodes_stop() {
        openVolume(quickPassivation(Duration.ofMillis(50), Duration.ofMillis(40)));
        for (int i = 0; i < 5; i++) {
            vol.writeFile("/f" + i, new byte[] {1, 2, 3});
            vol.gateway.truncate("/f" + i, 2);
        }
        assertTrue(vol.liveInodes() > 0);
        Await.until(() -> vol.liveInodes() == 0, "every idle inode actor to stop");
        assertEquals(1, vol.gateway.truncate("/f3", 1).size(), "a fresh inode actor serves the next truncate");
    }

    @Test
    void pastMaxLiveActors_aBandAskedToStopWithUnsealedBlocks_sealsThem() {
        int cap = 4;
        // blocks never go cold here, and a close leaves what an fsync journaled dirty: only the cap seals
        openVolume(quickPassivation(Duration.ofHours(1), Duration.ofHours(1)).maxLiveActors(cap));
        int files = 3 * cap;
        for (int i = 0; i < files; i++) {
            long h = vol.gateway.create("/f" + i, 0644, Caller.ROOT);
            vol.gateway.write(h, 10, new byte[] {1, 2, 3});
            vol.gateway.fsync(h);
            vol.gateway.release(h);
        }
        long[] inos = new long[files];
        Arrays.setAll(inos, i -> vol.ino("/f" + i));
        // each spawn past the cap asked the least recently used band to stop: the first files' bands
        Await.until(() -> vol.stores.meta.read(r -> r.block(inos[0], 0).isPresent() && r.block(inos[files - cap - 1], 0).isPresent()),
                "the bands asked to stop sealed their blocks");
        assertTrue(vol.budget.dirtyBytes() > 0, "the bands not asked still hold theirs");
        for (int i = 0; i < files; i++) {
            assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3}, vol.readFile("/f" + i), "file " + i);
        }
    }

    @Test
    void pastMaxLiveActors_idleActorsStopEarly_andEveryFileReadsBack() {
        int cap = 4;
        // actors never idle long enough to passivate on their own: only the cap stops them
        openVolume(quickPassivation(Duration.ofHours(1), Duration.ofMillis(40)).maxLiveActors(cap));
        Random random = new Random(5);
        byte[][] contents = new byte[30][];
        for (int i = 0; i < contents.length; i++) {
            contents[i] = new byte[1 + random.nextInt(2 * BAND)];
            random.nextBytes(contents[i]);
            vol.writeFile("/f" + i, contents[i]);
        }
        // a sync, not a wait for an empty budget: writes are handed to the bands without waiting, so the
        // budget can read empty while the last writes are still on their way (then those bands are busy
        // when the cap asks them to stop)
        vol.gateway.syncAll();
        assertEquals(0, vol.budget.dirtyBytes(), "every block sealed");
        vol.writeFile("/last", new byte[] {7}); // one more spawn: the bands that were busy before are idle now
        Await.until(() -> vol.liveBands() <= cap && vol.liveInodes() <= cap, "live actors down to the cap");
        for (int i = 0; i < contents.length; i++) {
            assertArrayEquals(contents[i], vol.readFile("/f" + i), "file " + i);
        }
        assertEquals(0640, vol.gateway.chmod("/f0", 0640, TimeChange.Now.INSTANCE).mode() & 07777, "a fresh inode actor serves the next change");
    }

    @Test
    void flushes_sentWhileBandsPassivate_areAllAnswered() throws Exception {
        openVolume(quickPassivation(Duration.ofMillis(5), Duration.ofMillis(10)));
        vol.writeFile("/f", new byte[8 * BAND]);
        long ino = vol.ino("/f");
        TestProbe<FsResult<Done>> replies = vol.testKit.createTestProbe();
        int sent = 0;
        for (int round = 0; round < 200; round++) {
            for (int band = 0; band < 8; band++) {
                vol.bands.tell(new EntityRegistry.Deliver<>(new BandKey(ino, band), new Band.Flush(replies.getRef()::tell)));
                sent++;
            }
            if (round % 20 == 0) {
                for (int i = 0; i < sent; i++) {
                    assertInstanceOf(FsResult.Ok.class, replies.receiveMessage());
                }
                sent = 0;
                Await.until(() -> vol.liveBands() < 8, "some bands to passivate");
            }
        }
        for (int i = 0; i < sent; i++) {
            assertInstanceOf(FsResult.Ok.class, replies.receiveMessage());
        }
        assertTrue(vol.bandIncarnations.get() > 8, "bands passivated and came back: " + vol.bandIncarnations.get());
    }

    @Test
    void passivationUnderLoad_losesNoMessage_andEveryByteReadsBack() throws Exception {
        openVolume(quickPassivation(Duration.ofMillis(5), Duration.ofMillis(10)));
        int files = 6;
        int fileSize = 12 * BAND;
        ExecutorService threads = Executors.newFixedThreadPool(files);
        try {
            List<Future<byte[]>> results = new ArrayList<>();
            for (int f = 0; f < files; f++) {
                int seed = f;
                results.add(threads.submit(() -> randomTraffic(gw, "/load" + seed, seed, fileSize)));
            }
            for (int f = 0; f < files; f++) {
                byte[] expected = results.get(f).get(60, TimeUnit.SECONDS);
                assertArrayEquals(expected, vol.readFile("/load" + f), "file " + f);
            }
        } finally {
            threads.shutdownNow();
        }
        int keys = files * 12;
        assertTrue(vol.bandIncarnations.get() > keys,
                "bands passivated and were started again during the load: " + vol.bandIncarnations.get() + " for " + keys + " keys");
    }

    /** Random writes, reads checked against a reference and occasional fsyncs; returns the final content. */
    private static byte[] randomTraffic(FsGateway gw, String path, long seed, int fileSize) {
        Random random = new Random(seed);
        byte[] reference = new byte[fileSize];
        long h = gw.create(path, 0644, Caller.ROOT);
        gw.write(h, fileSize - 1, new byte[] {0});
        for (int op = 0; op < 250; op++) {
            int len = 1 + random.nextInt(3 * BS);
            int at = random.nextInt(fileSize - len);
            switch (random.nextInt(5)) {
                case 0, 1, 2 -> {
                    byte[] data = new byte[len];
                    random.nextBytes(data);
                    gw.write(h, at, data);
                    System.arraycopy(data, 0, reference, at, len);
                }
                case 3 -> {
                    byte[] read = gw.read(h, at, len);
                    if (!Arrays.equals(read, Arrays.copyOfRange(reference, at, at + len))) {
                        throw new AssertionError(path + ": read of " + len + " at " + at + " differs at op " + op);
                    }
                }
                default -> {
                    try {
                        gw.fsync(h);
                    } catch (FsException e) {
                        throw new AssertionError(path + ": fsync failed at op " + op + ": " + e.error() + " " + e.getMessage(), e);
                    }
                }
            }
        }
        gw.release(h);
        return reference;
    }
}
