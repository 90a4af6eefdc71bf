package io.tgcryptfs.gateway;

import io.tgcryptfs.chunk.BlockGeometry;
import io.tgcryptfs.chunk.ChunkStore;
import io.tgcryptfs.engine.Band;
import io.tgcryptfs.engine.BandKey;
import io.tgcryptfs.engine.DirtyBudget;
import io.tgcryptfs.engine.DirtyRegions;
import io.tgcryptfs.engine.Done;
import io.tgcryptfs.engine.EngineContext;
import io.tgcryptfs.engine.EntityRegistry;
import io.tgcryptfs.engine.FsResult;
import io.tgcryptfs.engine.InodeAttributes;
import io.tgcryptfs.engine.TimeStep;
import io.tgcryptfs.engine.UnbackedFiles;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.fs.Timestamp;
import io.tgcryptfs.journal.JournalRecord;
import io.tgcryptfs.journal.LocalSync;
import io.tgcryptfs.journal.WriteJournal;
import io.tgcryptfs.meta.MetaStore;
import org.apache.pekko.actor.typed.ActorRef;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The data path of open files: reads (clean bands straight from stored chunks, dirty ones through their
 * Band actor), writes (size first, then handed to the bands: {@link WriteBehind}), fsync (journal, then
 * local sync) and flushes.
 */
final class FileData {
    /** A reader entering a block gets the packs of the next this-many bytes fetched in the background. */
    private static final int READ_AHEAD_BYTES = 32 << 20;
    /**
     * ...looked at again every this-many bytes: the look walks the block map and chunk records of the
     * whole window, which at every block was a good part of a cold sequential read's time.
     */
    private static final int READ_AHEAD_STEP = 4 << 20;
    private final Asker asker;
    private final MetaStore meta;
    private final LocalSync localSync;
    private final WriteJournal journal;
    private final ChunkStore chunks;
    private final BlockGeometry geometry;
    private final DirtyRegions dirtyRegions;
    private final InodeAttributes attributes;
    private final DirtyBudget budget;
    private final WriteBehind writeBehind;
    private final ActorRef<EntityRegistry.Command> bands;
    private final Duration dataTimeout;
    private final Executor prefetcher;
    private final Clock clock;
    private final Object[] fsyncLocks = new Object[64];
    private final WriteGate writeGate;
    private final UnbackedFiles unbacked;

    FileData(Asker asker, EngineContext ctx, LocalSync localSync, InodeAttributes attributes,
             ActorRef<EntityRegistry.Command> bands, Duration dataTimeout, Executor prefetcher) {
        this.asker = asker;
        this.meta = ctx.meta();
        this.localSync = localSync;
        this.journal = ctx.journal();
        this.chunks = ctx.chunks();
        this.geometry = ctx.geometry();
        this.dirtyRegions = ctx.dirtyRegions();
        this.attributes = attributes;
        this.budget = ctx.budget();
        this.bands = bands;
        this.dataTimeout = dataTimeout;
        this.prefetcher = prefetcher;
        this.clock = ctx.clock();
        java.util.Arrays.setAll(fsyncLocks, i -> new Object());
        this.writeGate = new WriteGate(ctx.nanoTime());
        this.unbacked = ctx.unbacked();
        this.writeBehind = new WriteBehind(bands, dirtyRegions, asker, dataTimeout, writeWindow(ctx.budget()));
    }

    /**
     * Bytes of writes on their way to the bands at once: an eighth of the dirty budget, so the writes
     * waiting in the bands' mailboxes never hold more memory than a fraction of what the budget allows.
     */
    private static int writeWindow(DirtyBudget budget) {
        return (int) Math.max(1 << 20, Math.min(Integer.MAX_VALUE, budget.budgetBytes() / 8));
    }

    /** Reads up to {@code length} bytes at {@code offset} into {@code out[0, n)}; returns n (less at the end). */
    int read(long ino, long offset, byte[] out, int length) {
        long size = inode(ino).size();
        if (offset >= size || length <= 0) {
            return 0;
        }
        int n = (int) Math.min(length, size - offset);
        List<long[]> pieces = splitByBand(offset, n);
        List<CompletableFuture<FsResult<byte[]>>> answers = new ArrayList<>();
        for (long[] p : pieces) {
            BandKey key = new BandKey(ino, geometry.bandIndex(p[0]));
            answers.add(dirtyRegions.isClean(key)
                    ? CompletableFuture.completedFuture(null)
                    : asker.ask(bands, r -> new EntityRegistry.Deliver<>(key, new Band.Read(p[0], (int) p[1], r)), dataTimeout));
        }
        int at = 0;
        for (int i = 0; i < pieces.size(); i++) {
            FsResult<byte[]> answer = asker.await(answers.get(i), dataTimeout);
            if (answer == null) {
                readCommitted(ino, pieces.get(i)[0], out, at, (int) pieces.get(i)[1]);
            } else {
                byte[] part = answer.orThrow();
                System.arraycopy(part, 0, out, at, part.length);
            }
            at += (int) pieces.get(i)[1];
        }
        return n;
    }

    /** A clean band: everything acknowledged is in LMDB, so read it here without the actor. */
    private void readCommitted(long ino, long offset, byte[] out, int outOffset, int length) {
        int blockSize = geometry.blockSize();
        int done = 0;
        while (done < length) {
            long pos = offset + done;
            int inBlock = (int) (pos % blockSize);
            int n = Math.min(blockSize - inBlock, length - done);
            long index = pos / blockSize;
            if (inBlock == 0 && index % Math.max(1, READ_AHEAD_STEP / blockSize) == 0) {
                chunks.prefetchAfter(ino, index, READ_AHEAD_BYTES / blockSize, prefetcher);
            }
            chunks.readBlock(ino, index, inBlock, out, outOffset + done, n);
            done += n;
        }
    }

    void write(long ino, long offset, byte[] data, WriteTimes times) {
        if (data.length == 0) {
            return;
        }
        Inode.checkSize(offset);
        Inode.checkSize(offset + data.length);
        writeBehind.reportFailure(ino);
        long pass = writeGate.enter();
        try {
            sendWrite(ino, offset, data, times);
        } finally {
            writeGate.leave(pass);
        }
    }

    /**
     * The size, then the bytes on their way to the bands: both inside the write gate. The bands count the
     * write as theirs before the size moves, so that a file whose size vouches for bytes not yet backed
     * is marked ({@code UnbackedFiles}) until they are.
     */
    private void sendWrite(long ino, long offset, byte[] data, WriteTimes times) {
        List<long[]> pieces = splitByBand(offset, data.length);
        List<BandKey> keys = new ArrayList<>(pieces.size());
        for (long[] p : pieces) {
            keys.add(new BandKey(ino, geometry.bandIndex(p[0])));
            dirtyRegions.handedOver(keys.get(keys.size() - 1));
        }
        int sent = 0;
        try {
            if (changesMetadata(ino, offset + data.length, times)) {
                // size first: a block sealed before the size moved would look like it lies past the end
                attributes.extend(ino, offset + data.length, times == WriteTimes.MOVED_BY_WRITE);
            }
            boolean diskFull = budget.isStorageFull();
            for (long[] p : pieces) {
                byte[] slice = pieces.size() == 1 ? data
                        : java.util.Arrays.copyOfRange(data, (int) (p[0] - offset), (int) (p[0] - offset + p[1]));
                writeBehind.send(ino, keys.get(sent++), p[0], slice, diskFull);
            }
        } finally {
            for (int i = sent; i < keys.size(); i++) {
                dirtyRegions.applied(keys.get(i)); // never handed to writeBehind, which takes off the others
            }
        }
    }

    /**
     * Whether a write ending at {@code end} must move the size or the file times. Read from committed
     * metadata: a size or time another write is moving right now is at most one step behind, which is
     * what a coarse clock shows anyway; a truncate racing a write has no order to keep.
     */
    private boolean changesMetadata(long ino, long end, WriteTimes times) {
        Optional<Inode> inode = meta.read(r -> r.inode(ino));
        if (inode.isEmpty() || inode.get().size() < end) {
            return true;
        }
        if (times == WriteTimes.SENT_BY_KERNEL) {
            return false;
        }
        // a write within a time step of the last one that does not grow the file changes no metadata,
        // so it costs no inode actor round trip and no LMDB transaction
        Timestamp now = Timestamp.of(clock.instant());
        return !TimeStep.within(inode.get().mtime(), now) || !TimeStep.within(inode.get().ctime(), now);
    }

    /**
     * The file's changed blocks journaled in one append, then data and metadata forced to local disk.
     * The records are appended even when a write failed, so a later fsync does not find them missing.
     */
    void fsync(long ino) {
        // one fsync of a file at a time: its bands number the records, and the journal must hold each
        // block's records in that order (replay applies them in file order; each holds only what changed
        // since the previous one)
        synchronized (fsyncLocks[Math.floorMod(Long.hashCode(ino), fsyncLocks.length)]) {
            unbacked.syncing(ino);
            try {
                journalAndSync(ino);
            } finally {
                unbacked.synced(ino);
            }
        }
        // after the sync: a mark that outlived a crash only moves a file's times, a lost one hides lost bytes
        unbacked.settle(meta, ino);
    }

    private void journalAndSync(long ino) {
        CompletableFuture<List<Band.Journaled>> journaled = new CompletableFuture<>();
        bands.tell(new EntityRegistry.GroupCall<Band.Command, Band.Journaled>(ino, Band.Journal::new, journaled::complete));
        List<Band.Journaled> answers;
        try {
            answers = asker.await(journaled, dataTimeout);
        } catch (RuntimeException e) {
            // answers that come after all give their records' room back; this fsync fails
            journaled.thenAccept(late -> late.forEach(a -> unreserve(a.records())));
            throw e;
        }
        List<JournalRecord> records = new ArrayList<>();
        FsException failed = null;
        for (Band.Journaled answer : answers) {
            records.addAll(answer.records());
            if (answer.failure() != null && failed == null) {
                failed = new FsException(answer.failure().error(), answer.failure().message());
            }
        }
        try {
            localSync.sync(records); // even when a seal failed: no other fsync will journal these ranges
        } finally {
            unreserve(records);
        }
        if (failed != null) {
            throw failed;
        }
        writeBehind.reportFailure(ino);
    }

    private void unreserve(List<JournalRecord> records) {
        long bytes = 0;
        for (JournalRecord r : records) {
            bytes += r.dataBytes();
        }
        journal.unreserve(bytes);
    }

    /** Close: reports a write of the file that failed after it returned, if the band has refused it by now. */
    void flush(long ino) {
        writeBehind.reportFailure(ino);
    }

    /** Seals every dirty block of every file and makes it durable (sync, unmount). */
    void syncAll() {
        sealAll();
        unbacked.sweep(meta);
        localSync.sync();
    }

    /** Drops the marks of files whose every byte is sealed or journaled by now (every second or so). */
    void sweepUnbacked() {
        unbacked.sweep(meta);
    }

    /**
     * Seals every dirty block, then holds new writes off until the returned release runs: in between,
     * LMDB holds every byte written so far and every size a write moved, which is what a restore
     * point's view must see ({@link WriteGate}). A write already past the gate has its bytes in its
     * bands' mailboxes before the seal, which the registry delivers after them.
     */
    Runnable sealAndHoldWrites() throws InterruptedException {
        return writeGate.sealAndClose(this::sealAll);
    }

    /** Nanoseconds writes waited for captures, all together. */
    long writesHeldNanos() {
        return writeGate.heldNanos();
    }

    private void sealAll() {
        CompletableFuture<List<FsResult<Done>>> flushed = new CompletableFuture<>();
        bands.tell(new EntityRegistry.CallAll<BandKey, Band.Command, FsResult<Done>>(k -> true, Band.Flush::new,
                flushed::complete));
        asker.await(flushed, dataTimeout).forEach(FsResult::orThrow);
    }

    /** Seals the dirty blocks of one file (before a truncate moves its size). */
    void flushBands(long ino) {
        CompletableFuture<List<FsResult<Done>>> flushed = new CompletableFuture<>();
        bands.tell(new EntityRegistry.GroupCall<Band.Command, FsResult<Done>>(ino, Band.Flush::new, flushed::complete));
        asker.await(flushed, dataTimeout).forEach(FsResult::orThrow);
    }

    /** [offset, length] pieces of a range, none crossing a band boundary. */
    private List<long[]> splitByBand(long offset, long length) {
        List<long[]> pieces = new ArrayList<>();
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            long bandEnd = geometry.bandStart(geometry.bandIndex(pos) + 1);
            long n = Math.min(end, bandEnd) - pos;
            pieces.add(new long[] {pos, n});
            pos += n;
        }
        return pieces;
    }

    private Inode inode(long ino) {
        return meta.read(r -> r.inode(ino))
                .orElseThrow(() -> new FsException(FsError.NOT_FOUND, "inode " + ino + " is gone"));
    }
}
