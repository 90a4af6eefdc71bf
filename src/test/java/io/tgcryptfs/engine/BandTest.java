package io.tgcryptfs.engine;

import io.tgcryptfs.fs.ChunkId;
import io.tgcryptfs.gateway.Caller;
import io.tgcryptfs.testing.Await;
import io.tgcryptfs.testing.FixtureOptions;
import io.tgcryptfs.testing.TestVolume;
import io.tgcryptfs.testing.VolumeFixture;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One band actor, driven through the band registry as the gateway does. */
class BandTest extends VolumeFixture {
    private static final int BS = 4096;
    private static final int BAND = 4 * BS;

    BandTest() {
        super(11);
    }

    /** Band 0 of a new file one band long, in a volume of small blocks and bands opened with {@code options}. */
    private BandKey bandOfNewFile(FixtureOptions options) {
        openVolume(options.blockSize(BS).bandSize(BAND).uploads(false));
        return new BandKey(file("f", BAND), 0);
    }

    /** A file of {@code size} bytes (a hole) to write into. */
    private long file(String name, long size) {
        long h = vol.gateway.create("/" + name, 0644, Caller.ROOT);
        vol.gateway.release(h);
        vol.gateway.truncate("/" + name, size);
        return vol.ino("/" + name);
    }

    private void deliver(BandKey key, Band.Command command) {
        vol.bands.tell(new EntityRegistry.Deliver<>(key, command));
    }

    private static <T> T ok(FsResult<T> result) {
        assertInstanceOf(FsResult.Ok.class, result, () -> "expected Ok, got " + result);
        return result.orThrow();
    }

    private Optional<ChunkId> stored(long ino, long block) {
        return vol.stores.meta.read(r -> r.block(ino, block));
    }

    @Test
    void writesThenReads_sentWithoutWaiting_areAppliedInArrivalOrder() {
        BandKey key = bandOfNewFile(FixtureOptions.defaults());
        TestProbe<FsResult<Done>> writes = vol.testKit.createTestProbe();
        TestProbe<FsResult<byte[]>> firstRead = vol.testKit.createTestProbe();
        TestProbe<FsResult<byte[]>> secondRead = vol.testKit.createTestProbe();
        byte[] a = bytes(6000);
        byte[] b = bytes(100);
        byte[] c = bytes(100);

        deliver(key, new Band.Write(0, a, writes.getRef()::tell));
        deliver(key, new Band.Write(1000, b, writes.getRef()::tell));
        deliver(key, new Band.Read(0, 8192, firstRead.getRef()));
        deliver(key, new Band.Write(1000, c, writes.getRef()::tell));
        deliver(key, new Band.Read(900, 300, secondRead.getRef()));

        for (int i = 0; i < 3; i++) {
            ok(writes.receiveMessage());
        }
        byte[] expectedFirst = new byte[8192];
        System.arraycopy(a, 0, expectedFirst, 0, a.length);
        System.arraycopy(b, 0, expectedFirst, 1000, b.length);
        assertArrayEquals(expectedFirst, ok(firstRead.receiveMessage()), "the read sees the writes before it, not after");

        byte[] expectedSecond = Arrays.copyOfRange(a, 900, 1200);
        System.arraycopy(c, 0, expectedSecond, 100, c.length);
        assertArrayEquals(expectedSecond, ok(secondRead.receiveMessage()));
    }

    @Test
    void smallWritesIntoManyLargeBlocks_holdOnlyThePagesWritten_soASmallBudgetSealsNone() {
        int bs = 256 << 10;
        openVolume(FixtureOptions.defaults().blockSize(bs).bandSize(32 * bs)
                .dirtyBudgetBytes(4L * bs).dirtyExpiry(Duration.ofMinutes(10)).uploads(false));
        long ino = file("sparse", 32L * bs);
        BandKey key = new BandKey(ino, 0);
        TestProbe<FsResult<Done>> replies = vol.testKit.createTestProbe();
        byte[][] written = new byte[32][];
        for (int b = 0; b < 32; b++) {
            written[b] = bytes(4096);
            deliver(key, new Band.Write((long) b * bs + 8192, written[b], replies.getRef()::tell));
            ok(replies.receiveMessage());
        }

        assertEquals(32 * 4096, vol.budget.dirtyBytes(), "a page per block, not 32 blocks of 256 KiB");
        for (long b = 0; b < 32; b++) {
            assertTrue(stored(ino, b).isEmpty(), "block " + b + " is not sealed for room");
        }
        TestProbe<FsResult<byte[]>> reads = vol.testKit.createTestProbe();
        deliver(key, new Band.Read(17L * bs + 8000, 4300, reads.getRef()));
        byte[] expected = new byte[4300];
        System.arraycopy(written[17], 0, expected, 192, 4096);
        assertArrayEquals(expected, ok(reads.receiveMessage()));

        deliver(key, new Band.Flush(replies.getRef()::tell));
        ok(replies.receiveMessage());
        assertEquals(0, vol.budget.dirtyBytes(), "sealing gives back exactly what the pages took");
    }

    @Test
    void aBlockWrittenAQuarterFull_countsAsAWholeBlock() {
        int bs = 256 << 10;
        openVolume(FixtureOptions.defaults().blockSize(bs).bandSize(4 * bs)
                .dirtyExpiry(Duration.ofMinutes(10)).uploads(false));
        long ino = file("dense", 4L * bs);
        BandKey key = new BandKey(ino, 0);
        TestProbe<FsResult<Done>> replies = vol.testKit.createTestProbe();
        deliver(key, new Band.Write(0, bytes(bs / 4 - 4096), replies.getRef()::tell));
        ok(replies.receiveMessage());
        assertEquals(bs / 4 - 4096, vol.budget.dirtyBytes());

        deliver(key, new Band.Write(bs / 2, bytes(10), replies.getRef()::tell));
        ok(replies.receiveMessage());
        assertEquals(bs, vol.budget.dirtyBytes());
    }

    @Test
    void flush_repliesOnlyWhenEveryDirtyBlockIsCommittedToLmdb() {
        BandKey key = bandOfNewFile(FixtureOptions.defaults().dirtyExpiry(Duration.ofMinutes(10)));
        long ino = key.ino();
        TestProbe<FsResult<Done>> replies = vol.testKit.createTestProbe();
        byte[] first = bytes(5000); // block 0 (part), block 1 (part)
        byte[] second = bytes(50);  // block 2 (part)
        deliver(key, new Band.Write(100, first, replies.getRef()::tell));
        deliver(key, new Band.Write(10_000, second, replies.getRef()::tell));
        ok(replies.receiveMessage());
        ok(replies.receiveMessage());
        assertTrue(stored(ino, 0).isEmpty(), "partial blocks wait for a flush or the expiry");
        assertTrue(vol.budget.dirtyBytes() > 0);

        deliver(key, new Band.Flush(replies.getRef()::tell));
        ok(replies.receiveMessage());

        for (long blk = 0; blk <= 2; blk++) {
            assertTrue(stored(ino, blk).isPresent(), "block " + blk + " in LMDB when flush answered");
        }
        assertTrue(stored(ino, 3).isEmpty());
        assertEquals(0, vol.budget.dirtyBytes());
        byte[] expected = new byte[BAND];
        System.arraycopy(first, 0, expected, 100, first.length);
        System.arraycopy(second, 0, expected, 10_000, second.length);
        byte[] actual = new byte[BAND];
        for (int blk = 0; blk < 4; blk++) {
            System.arraycopy(vol.stores.newChunkStore(1 << 20).loadBlock(ino, blk), 0, actual, blk * BS, BS);
        }
        assertArrayEquals(expected, actual);
    }

    @Test
    void flush_ofACleanBand_repliesAtOnce() {
        BandKey key = bandOfNewFile(FixtureOptions.defaults());
        TestProbe<FsResult<Done>> replies = vol.testKit.createTestProbe();
        deliver(key, new Band.Flush(replies.getRef()::tell));
        ok(replies.receiveMessage());
    }

    @Test
    void blocksASequentialStreamFills_areSealedWithoutAFlush() {
        BandKey key = bandOfNewFile(FixtureOptions.defaults().dirtyExpiry(Duration.ofMinutes(10)));
        long ino = key.ino();
        TestProbe<FsResult<Done>> replies = vol.testKit.createTestProbe();
        // from block 1 on: a run that becomes a stream once longer than half the band
        for (int b = 1; b < 4; b++) {
            deliver(key, new Band.Write((long) b * BS, bytes(BS), replies.getRef()::tell));
        }
        for (int b = 1; b < 4; b++) {
            ok(replies.receiveMessage());
        }
        Await.until(() -> stored(ino, 1).isPresent() && stored(ino, 2).isPresent() && stored(ino, 3).isPresent(),
                "blocks 1 to 3 sealed, those written before the run was a stream too");
        Await.until(() -> vol.budget.dirtyBytes() == 0, "budget released");
    }

    @Test
    void aStream_sealsTheFullBlocksItWrote_notOneARandomWriteFilledElsewhereInTheBand() {
        int band = 16 * BS; // a stream here: a run past half of it, 8 blocks
        openVolume(FixtureOptions.defaults().dirtyExpiry(Duration.ofMinutes(10))
                .blockSize(BS).bandSize(band).uploads(false));
        long ino = file("f", band);
        BandKey key = new BandKey(ino, 0);
        TestProbe<FsResult<Done>> replies = vol.testKit.createTestProbe();
        deliver(key, new Band.Write(12 * BS, bytes(BS), replies.getRef()::tell));
        ok(replies.receiveMessage());
        for (int b = 1; b <= 9; b++) {
            deliver(key, new Band.Write((long) b * BS, bytes(BS), replies.getRef()::tell));
            ok(replies.receiveMessage());
        }
        Await.until(() -> java.util.stream.LongStream.rangeClosed(1, 9).allMatch(b -> stored(ino, b).isPresent()),
                "blocks 1 to 9 sealed: the stream's");
        java.util.List<io.tgcryptfs.journal.JournalRecord> records = journaled(key);
        assertEquals(1, records.size(), "block 12 still dirty, journaled by the fsync");
        assertEquals(12, records.get(0).block());
        assertTrue(stored(ino, 12).isEmpty());
    }

    @Test
    void aBlockFilledByARandomWrite_staysDirtyUntilCold() {
        BandKey key = bandOfNewFile(FixtureOptions.defaults().dirtyExpiry(Duration.ofMinutes(10)));
        TestProbe<FsResult<Done>> replies = vol.testKit.createTestProbe();
        deliver(key, new Band.Write(3 * BS, bytes(BS), replies.getRef()::tell)); // not where a stream would be
        ok(replies.receiveMessage());
        java.util.List<io.tgcryptfs.journal.JournalRecord> records = journaled(key);
        assertEquals(1, records.size());
        assertEquals(3, records.get(0).block());
        assertTrue(stored(key.ino(), 3).isEmpty());
    }

    @Test
    void partialBlock_olderThanTheDirtyExpiry_isSealedWithoutAFlush() {
        BandKey key = bandOfNewFile(FixtureOptions.defaults().dirtyExpiry(Duration.ofMillis(100)));
        TestProbe<FsResult<Done>> replies = vol.testKit.createTestProbe();
        deliver(key, new Band.Write(10, bytes(10), replies.getRef()::tell));
        ok(replies.receiveMessage());
        Await.until(() -> stored(key.ino(), 0).isPresent(), "block 0 sealed after the expiry");
    }

    @Test
    void read_acrossStoredDirtyAndHoleBlocks_seesEachLayer() {
        BandKey key = bandOfNewFile(FixtureOptions.defaults().dirtyExpiry(Duration.ofMinutes(10)));
        TestProbe<FsResult<Done>> replies = vol.testKit.createTestProbe();
        byte[] whole = bytes(BS);
        byte[] base = bytes(BS);
        byte[] patch = bytes(10);
        deliver(key, new Band.Write(0, whole, replies.getRef()::tell));      // block 0: sealed
        deliver(key, new Band.Write(BS, base, replies.getRef()::tell));      // block 1: sealed...
        deliver(key, new Band.Flush(replies.getRef()::tell));
        for (int i = 0; i < 3; i++) {
            ok(replies.receiveMessage());
        }
        deliver(key, new Band.Write(BS + 20, patch, replies.getRef()::tell)); // ...with a dirty patch on top
        ok(replies.receiveMessage());

        TestProbe<FsResult<byte[]>> read = vol.testKit.createTestProbe();
        deliver(key, new Band.Read(BS - 8, 2 * BS, read.getRef()));
        byte[] expected = new byte[2 * BS];
        System.arraycopy(whole, BS - 8, expected, 0, 8);
        System.arraycopy(base, 0, expected, 8, BS);
        System.arraycopy(patch, 0, expected, 8 + 20, patch.length);
        // block 2 is a hole: zeros
        assertArrayEquals(expected, ok(read.receiveMessage()));
    }

    @Test
    void rewritingABlockWhileItIsBeingSealed_keepsTheNewestBytes() {
        BandKey key = bandOfNewFile(FixtureOptions.defaults().dirtyExpiry(Duration.ofMinutes(10)));
        TestProbe<FsResult<Done>> replies = vol.testKit.createTestProbe();
        byte[] expected = new byte[BS];
        for (int round = 0; round < 20; round++) {
            byte[] full = bytes(BS);           // starts a seal
            byte[] patch = bytes(100);         // lands while that seal may still run
            int at = random().nextInt(BS - 100);
            deliver(key, new Band.Write(0, full, replies.getRef()::tell));
            deliver(key, new Band.Write(at, patch, replies.getRef()::tell));
            System.arraycopy(full, 0, expected, 0, BS);
            System.arraycopy(patch, 0, expected, at, 100);
        }
        deliver(key, new Band.Flush(replies.getRef()::tell));
        for (int i = 0; i < 41; i++) {
            ok(replies.receiveMessage());
        }
        assertArrayEquals(expected, vol.stores.newChunkStore(1 << 20).loadBlock(key.ino(), 0));
    }

    @Test
    void flush_isNotHeldUp_byAWriteThatArrivesAfterIt() {
        BandKey key = bandOfNewFile(FixtureOptions.defaults());
        GatedExecutor gate = new GatedExecutor();
        var band = gatedBand(key, gate);
        TestProbe<FsResult<Done>> writes = vol.testKit.createTestProbe();
        TestProbe<FsResult<Done>> flush = vol.testKit.createTestProbe();

        band.tell(new Band.Write(0, bytes(BS), writes.getRef()::tell));   // a whole block: its seal is queued
        ok(writes.receiveMessage());
        band.tell(new Band.Flush(flush.getRef()::tell));                  // waits for that seal
        band.tell(new Band.Write(0, bytes(10), writes.getRef()::tell));   // after the flush, same block
        ok(writes.receiveMessage());
        gate.runQueued();                                           // the seal the flush waits for completes

        ok(flush.receiveMessage(Duration.ofSeconds(3)));
    }

    @Test
    void anFsyncDuringASeal_journalsTheBlockBeingSealed_insteadOfWaitingForTheSeal() {
        BandKey key = bandOfNewFile(FixtureOptions.defaults());
        GatedExecutor gate = new GatedExecutor();
        var band = gatedBand(key, gate);
        TestProbe<FsResult<Done>> writes = vol.testKit.createTestProbe();
        TestProbe<FsResult<Done>> flush = vol.testKit.createTestProbe();
        TestProbe<Band.Journaled> journal = vol.testKit.createTestProbe();
        byte[] partial = bytes(BS - 100);
        byte[] patch = bytes(10);

        band.tell(new Band.Write(0, partial, writes.getRef()::tell));
        ok(writes.receiveMessage());
        band.tell(new Band.Flush(flush.getRef()::tell));              // its seal is queued at the gate
        band.tell(new Band.Write(5, patch, writes.getRef()::tell));   // a newer version of the block
        ok(writes.receiveMessage());
        band.tell(new Band.Journal(journal.getRef()::tell));

        // answered while the seal still waits at the gate: the sealed version first, the newer one over it
        java.util.List<io.tgcryptfs.journal.JournalRecord> records = records(journal.receiveMessage(Duration.ofSeconds(3)));
        assertEquals(2, records.size());
        assertArrayEquals(partial, records.get(0).ranges().get(0).bytes());
        assertEquals(5, records.get(1).ranges().get(0).start());
        assertArrayEquals(patch, records.get(1).ranges().get(0).bytes());
        assertTrue(records.get(0).sequence() < records.get(1).sequence());
        gate.runQueued();
        ok(flush.receiveMessage(Duration.ofSeconds(3)));
        // the seal supersedes the record of its own version, not the newer one's
        Await.until(() -> vol.ctx.journal().oldestLive() == records.get(1).sequence(),
                "only the newer version's record is live");
        records.forEach(r -> vol.ctx.journal().unreserve(r.dataBytes()));
    }

    @Test
    void anFsyncDuringTheSealOfAWholeBlock_waitsForThatSeal() {
        BandKey key = bandOfNewFile(FixtureOptions.defaults());
        GatedExecutor gate = new GatedExecutor();
        var band = gatedBand(key, gate);
        TestProbe<FsResult<Done>> writes = vol.testKit.createTestProbe();
        TestProbe<Band.Journaled> journal = vol.testKit.createTestProbe();

        band.tell(new Band.Write(0, bytes(BS), writes.getRef()::tell)); // a whole block: its seal is queued
        ok(writes.receiveMessage());
        band.tell(new Band.Journal(journal.getRef()::tell));
        journal.expectNoMessage(Duration.ofMillis(200));                // a stream's block: not copied into the journal
        gate.runQueued();
        assertTrue(records(journal.receiveMessage(Duration.ofSeconds(3))).isEmpty());
        assertTrue(stored(key.ino(), 0).isPresent());
    }

    @Test
    void aSealFinishingAfterItsBandStopped_isADeadLetterWithAMessage() {
        BandKey key = bandOfNewFile(FixtureOptions.defaults());
        GatedExecutor gate = new GatedExecutor();
        var band = gatedBand(key, gate);
        TestProbe<FsResult<Done>> writes = vol.testKit.createTestProbe();
        TestProbe<org.apache.pekko.actor.DeadLetter> deadLetters = vol.testKit.createTestProbe();
        vol.testKit.system().eventStream().tell(new org.apache.pekko.actor.typed.eventstream.EventStream.Subscribe<>(
                org.apache.pekko.actor.DeadLetter.class, deadLetters.getRef()));

        band.tell(new Band.Write(0, bytes(BS), writes.getRef()::tell)); // a whole block: its seal is queued
        ok(writes.receiveMessage());
        vol.testKit.stop(band);
        gate.runQueued();

        // a null one made Pekko's dead-letter logger throw (and log) a NullPointerException at every shutdown
        var letter = deadLetters.receiveMessage(Duration.ofSeconds(3));
        assertTrue(org.apache.pekko.actor.WrappedMessage$.MODULE$.unwrap(letter.message()) != null, "the seal's result: " + letter);
        assertTrue(stored(key.ino(), 0).isPresent(), "the seal itself committed");
    }

    @Test
    void anFsyncPastTheJournalsRoom_sealsInstead_andAnswersOnceTheSealsCommitted() {
        BandKey key = bandOfNewFile(FixtureOptions.defaults().dirtyExpiry(Duration.ofMinutes(10))
                .journalRecordBytes(BS + BS / 2));
        TestProbe<FsResult<Done>> replies = vol.testKit.createTestProbe();
        deliver(key, new Band.Write(10, bytes(BS - 20), replies.getRef()::tell));          // block 0: journaled
        deliver(key, new Band.Write(BS + 10, bytes(BS - 20), replies.getRef()::tell));     // block 1: no room left
        ok(replies.receiveMessage());
        ok(replies.receiveMessage());

        java.util.List<io.tgcryptfs.journal.JournalRecord> records = journaled(key);
        assertEquals(1, records.size(), "one block fits the journal's room");
        assertEquals(0, records.get(0).block());
        assertTrue(stored(key.ino(), 1).isPresent(), "the other was sealed before the answer");
        assertTrue(stored(key.ino(), 0).isEmpty());
        assertFalse(vol.ctx.journal().tryReserve(BS + BS / 2), "the record's room is held until the fsync appended it");
        vol.ctx.journal().unreserve(records.get(0).dataBytes());
        assertTrue(vol.ctx.journal().tryReserve(BS + BS / 2), "and all of it is back afterwards");
    }

    @Test
    void underPressure_fullBlocksAreSealed_andPartialOnesOnlyWhenNothingElseGivesRoomBack() {
        BandKey key = bandOfNewFile(FixtureOptions.defaults().dirtyExpiry(Duration.ofMinutes(10)));
        GatedExecutor gate = new GatedExecutor();
        org.apache.pekko.actor.typed.ActorRef<Band.Command> band = gatedBand(key, gate);
        TestProbe<FsResult<Done>> replies = vol.testKit.createTestProbe();
        TestProbe<Band.Journaled> journal = vol.testKit.createTestProbe();
        // block 3 filled in two halves with an fsync between: no stream, and a journal request later
        // answers at once instead of waiting for its seal (the gate holds seals)
        band.tell(new Band.Write(3L * BS, bytes(BS / 2), replies.getRef()::tell));
        band.tell(new Band.Journal(journal.getRef()::tell));
        band.tell(new Band.Write(3L * BS + BS / 2, bytes(BS / 2), replies.getRef()::tell));
        band.tell(new Band.Write(BS + 100, bytes(10), replies.getRef()::tell)); // partial: the edge of a request
        for (int i = 0; i < 3; i++) {
            ok(replies.receiveMessage());
        }
        journal.receiveMessage();

        band.tell(Band.MakeRoom.INSTANCE);
        band.tell(new Band.Journal(journal.getRef()::tell)); // answered after the band handled the pressure
        journal.receiveMessage();
        assertEquals(1, gate.queued.size(), "only the full block is being sealed");

        band.tell(Band.MakeRoom.INSTANCE);
        band.tell(new Band.Journal(journal.getRef()::tell));
        journal.receiveMessage();
        assertEquals(1, gate.queued.size(), "the seal under way gives room back: the partial block waits");

        gate.runQueued();
        band.tell(Band.MakeRoom.INSTANCE);
        band.tell(new Band.Journal(journal.getRef()::tell));
        journal.receiveMessage();
        assertEquals(1, gate.queued.size(), "no full block and no seal under way: the partial one is sealed");
        gate.runQueued();
        assertTrue(stored(key.ino(), 3).isPresent());
        Await.until(() -> stored(key.ino(), 1).isPresent(), "the partial block sealed");
    }

    private static java.util.List<io.tgcryptfs.journal.JournalRecord> records(Band.Journaled answer) {
        assertEquals(null, answer.failure());
        return answer.records();
    }

    /** What an fsync would append for band {@code key}: its answer to a Journal request. */
    private java.util.List<io.tgcryptfs.journal.JournalRecord> journaled(BandKey key) {
        TestProbe<Band.Journaled> journal = vol.testKit.createTestProbe();
        deliver(key, new Band.Journal(journal.getRef()::tell));
        return records(journal.receiveMessage());
    }

    /** Band {@code key}, outside the registry, whose seals run only when {@code gate} lets them. */
    private org.apache.pekko.actor.typed.ActorRef<Band.Command> gatedBand(BandKey key, GatedExecutor gate) {
        EngineContext ctx = new EngineContext(vol.ctx.meta(), vol.ctx.chunks(), vol.ctx.geometry(), vol.ctx.budget(), vol.ctx.dirtyRegions(), gate,
                vol.ctx.clock(), vol.ctx.nanoTime(), new SealPolicy(Duration.ofMinutes(10), Duration.ofMinutes(10)),
                Duration.ofMinutes(10), vol.ctx.journal(), vol.ctx.unbacked());
        TestProbe<EntityRegistry.Command> registry = vol.testKit.createTestProbe();
        return vol.testKit.spawn(Band.create(key, ctx, registry.getRef()));
    }

    /** Runs submitted tasks only when the test says so. */
    private static final class GatedExecutor implements java.util.concurrent.Executor {
        private final java.util.concurrent.BlockingQueue<Runnable> queued = new java.util.concurrent.LinkedBlockingQueue<>();

        @Override
        public void execute(Runnable task) {
            queued.add(task);
        }

        void runQueued() {
            Runnable task;
            while ((task = queued.poll()) != null) {
                task.run();
            }
        }
    }
}
