package io.tgcryptfs.gateway;

import io.tgcryptfs.engine.Band;
import io.tgcryptfs.engine.BandKey;
import io.tgcryptfs.engine.DirtyRegions;
import io.tgcryptfs.engine.Done;
import io.tgcryptfs.engine.EntityRegistry;
import io.tgcryptfs.engine.FsResult;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Writes handed to bands without waiting: what readers see, how memory is bounded, how refusals surface. */
class WriteBehindTest {
    private final ActorTestKit testKit = ActorTestKit.create();
    private final TestProbe<EntityRegistry.Command> bands = testKit.createTestProbe();
    private final DirtyRegions regions = new DirtyRegions();
    private final BandKey band = new BandKey(7, 0);

    @AfterEach
    void stop() {
        testKit.shutdownTestKit();
    }

    private WriteBehind writeBehind(int windowBytes) {
        return writeBehind(windowBytes, Duration.ofSeconds(5));
    }

    private WriteBehind writeBehind(int windowBytes, Duration timeout) {
        return new WriteBehind(bands.getRef(), regions, new Asker(testKit.system()), timeout, windowBytes);
    }

    /** As FileData: announced to the regions, then sent. */
    private void send(WriteBehind writes, long offset, byte[] bytes, boolean waitForBand) {
        regions.handedOver(band);
        writes.send(7, band, offset, bytes, waitForBand);
    }

    @SuppressWarnings("unchecked")
    private Band.Write received() {
        EntityRegistry.Deliver<BandKey, Band.Write> d = bands.expectMessageClass(EntityRegistry.Deliver.class);
        assertEquals(band, d.key());
        return d.message();
    }

    @Test
    void aBandIsNotClean_fromTheHandOverUntilTheBandAppliedTheWrite() {
        WriteBehind writes = writeBehind(1 << 20);
        send(writes, 100, new byte[] {1, 2, 3}, false);
        Band.Write w = received();
        assertEquals(100, w.offset());
        assertFalse(regions.isClean(band), "a reader must ask the band, not the stored chunks");
        w.applied().accept(FsResult.ok(Done.INSTANCE));
        assertTrue(regions.isClean(band), "the band published its own blocks before saying applied");
    }

    @Test
    void aRefusedWrite_failsTheFilesNextCall_once() {
        WriteBehind writes = writeBehind(1 << 20);
        send(writes, 0, new byte[10], false);
        received().applied().accept(FsResult.failed(FsError.NO_SPACE, "disk full"));
        writes.reportFailure(8); // another file: nothing to report
        FsException e = assertThrows(FsException.class, () -> writes.reportFailure(7));
        assertEquals(FsError.NO_SPACE, e.error());
        writes.reportFailure(7); // reported once, like a writeback error
    }

    @Test
    void pastTheWindow_aWriterWaitsForTheBands() throws Exception {
        WriteBehind writes = writeBehind(8);
        send(writes, 0, new byte[8], false);
        Band.Write first = received();
        CompletableFuture<Void> second = CompletableFuture.runAsync(() -> send(writes, 8, new byte[8], false));
        bands.expectNoMessage(Duration.ofMillis(200)); // no bytes left in the window: not sent yet
        assertFalse(second.isDone());
        first.applied().accept(FsResult.ok(Done.INSTANCE));
        second.get(5, TimeUnit.SECONDS);
        assertEquals(8, received().offset());
    }

    @Test
    void waitingForTheBand_reportsItsRefusalOnTheWriteItself() {
        WriteBehind writes = writeBehind(1 << 20);
        CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> send(writes, 0, new byte[4], true));
        received().applied().accept(FsResult.failed(FsError.NO_SPACE, "disk full"));
        Exception e = assertThrows(Exception.class, () -> sent.get(5, TimeUnit.SECONDS));
        assertEquals(FsError.NO_SPACE, ((FsException) e.getCause()).error());
        writes.reportFailure(7); // already reported by the write
    }

    @Test
    void aWriteThatNeverGetsToItsBand_takesItsHandOverBack() {
        WriteBehind writes = writeBehind(8, Duration.ofMillis(100));
        send(writes, 0, new byte[8], false);
        Band.Write first = received();
        FsException e = assertThrows(FsException.class, () -> send(writes, 8, new byte[8], false));
        assertEquals(FsError.TIMED_OUT, e.error());
        assertFalse(regions.isClean(band), "the first write is still on its way");
        first.applied().accept(FsResult.ok(Done.INSTANCE));
        assertTrue(regions.isClean(band), "nothing of the second is counted");
        assertFalse(regions.mayHoldUnbacked(7));
    }
}
