package io.tgcryptfs.backup;

import io.tgcryptfs.chunk.ChunkStore;
import io.tgcryptfs.crypto.MetadataCipher;
import io.tgcryptfs.meta.CaptureView;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.PackRecord;
import io.tgcryptfs.meta.PackState;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.random.RandomGenerator;

/**
 * Captures restore points: with every written byte sealed and writers held off ({@link WriteBarrier}),
 * a consistent view of the metadata is written as sealed segment files
 * (every changed key since the last capture, or everything for a checkpoint) and recorded, with the
 * packs it still needs uploaded, as a pending point. Nothing here touches the backend.
 *
 * <p>A checkpoint is taken for the first point, and again once the deltas since the last checkpoint
 * weigh {@code checkpointRatio} times the checkpoint or number {@code maxDeltas}: a restore then
 * never applies much more than one checkpoint's worth, and the amortised cost of a backup stays
 * proportional to what changed.
 */
public final class PointCapture {
    /** The inode counter the Namespace actor keeps (the engine sits above this package). */
    private static final String INODES = "inodes";
    private final MetaStore meta;
    private final Path dir;
    private final MetadataCipher cipher;
    private final RandomGenerator random;
    private final long maxObjectBytes;
    private final Clock clock;
    private final double checkpointRatio;
    private final int maxDeltas;
    private final WriteBarrier barrier;

    public PointCapture(MetaStore meta, Path dir, MetadataCipher cipher, RandomGenerator random, long maxObjectBytes,
                        Clock clock, double checkpointRatio, int maxDeltas, WriteBarrier barrier) {
        this.meta = meta;
        this.barrier = barrier;
        this.dir = dir;
        this.cipher = cipher;
        this.random = random;
        this.maxObjectBytes = maxObjectBytes;
        this.clock = clock;
        this.checkpointRatio = checkpointRatio;
        this.maxDeltas = maxDeltas;
    }

    private record Captured(long generation, boolean full, List<SegmentRef> segments, PendingPoint point,
                            List<io.tgcryptfs.fs.PackId> newlyRetired) {
    }

    /**
     * Captures a point if anything changed (or always, with {@code force}); returns its sequence.
     * Runs on one thread at a time (the backup thread).
     */
    public OptionalLong capture(boolean force) throws IOException {
        Files.createDirectories(dir);
        LogBook.Checkpoint checkpoint = meta.read(LogBook::checkpoint);
        boolean full = !checkpoint.exists() || checkpoint.deltaPoints() >= maxDeltas
                || checkpoint.deltaBytes() >= checkpointRatio * Math.max(checkpoint.bytes(), 1);
        long sequence = meta.read(r -> Math.max(LogBook.number(r, LogBook.SEQUENCE),
                LogBook.number(r, LogBook.ROOT_SEQUENCE))) + 1;
        SegmentWriter writer = new SegmentWriter(dir, cipher, random, maxObjectBytes, sequence);
        WriteBarrier.Hold held = hold(); // writes no file: nothing to discard if it fails
        Captured captured;
        try {
            captured = meta.capture(view -> {
                held.close(); // the view is open: writers may go on
                if (!force && !view.hasChanges()) {
                    return null;
                }
                if (full) {
                    view.everything(writer);
                } else {
                    view.changes(writer);
                }
                List<SegmentRef> segments = writer.finish();
                long checkpointSequence = full ? sequence : checkpoint.sequence();
                return new Captured(view.generation(), full, segments,
                        new PendingPoint(sequence, clock.millis(), checkpointSequence, stats(view), waitingPacks(view)),
                        newlyRetired(view));
            });
            if (captured == null) {
                return OptionalLong.empty();
            }
            record(captured, checkpoint);
        } catch (IOException | RuntimeException e) {
            writer.discard();
            throw e;
        } finally {
            held.close();
        }
        meta.forgetChanges(captured.generation());
        return OptionalLong.of(sequence);
    }

    private WriteBarrier.Hold hold() throws IOException {
        try {
            return barrier.sealAndHold();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while sealing written data for a restore point");
        }
    }

    private void record(Captured c, LogBook.Checkpoint before) {
        long bytes = c.segments().stream().mapToLong(SegmentRef::sealedBytes).sum();
        long sequence = c.point().sequence();
        LogBook.Checkpoint after = c.full()
                ? new LogBook.Checkpoint(sequence, bytes, 0, 0)
                : new LogBook.Checkpoint(before.sequence(), before.bytes(), before.deltaBytes() + bytes, before.deltaPoints() + 1);
        meta.write(w -> {
            for (int i = 0; i < c.segments().size(); i++) {
                LogBook.putSegment(w, LogBook.segmentName(sequence, i), c.segments().get(i));
            }
            w.putLocal(LogBook.pointName(sequence), c.point().encode());
            LogBook.setCheckpoint(w, after);
            LogBook.setNumber(w, LogBook.SEQUENCE, sequence);
            // points before this one may still mention these packs; this one and later ones do not
            c.newlyRetired().forEach(p -> LogBook.setNumber(w, LogBook.retiredName(p), sequence));
            return null;
        });
    }

    private static PointStats stats(CaptureView view) {
        return new PointStats(view.counter(INODES), view.counter(ChunkStore.LOGICAL_BYTES),
                view.counter(ChunkStore.STORED_BYTES));
    }

    private static List<io.tgcryptfs.fs.PackId> newlyRetired(CaptureView view) {
        return view.packs(PackState.RETIRED).stream().map(PackRecord::id)
                .filter(id -> view.local(LogBook.retiredName(id)).isEmpty()).toList();
    }

    private static List<PendingPoint.PendingPack> waitingPacks(CaptureView view) {
        List<PendingPoint.PendingPack> out = new ArrayList<>();
        for (PackState state : List.of(PackState.OPEN, PackState.SEALED)) {
            for (PackRecord p : view.packs(state)) {
                out.add(new PendingPoint.PendingPack(p.id(), p.liveBytes()));
            }
        }
        return out;
    }

    /** Deletes segment files no recorded segment names (left by a crash between writing and recording). */
    public void removeUnrecordedFiles() throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        java.util.Set<String> recorded = new java.util.HashSet<>();
        meta.read(r -> {
            for (String entry : LogBook.segmentEntries(r)) {
                SegmentRef s = LogBook.segment(r, entry);
                if (!s.isUploaded()) {
                    recorded.add(s.name() + ".seg");
                }
            }
            return null;
        });
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                if (!recorded.contains(f.getFileName().toString())) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }
}
