package io.tgcryptfs.journal;

import io.tgcryptfs.crypto.JitWarmup;
import io.tgcryptfs.crypto.MetadataCipher;
import io.tgcryptfs.fs.LocalFiles;
import io.tgcryptfs.meta.MetaStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

/**
 * The write-ahead journal that makes fsync cheap: fsync appends the written ranges of each dirty block
 * (encrypted) and forces the journal, instead of sealing 256 KiB blocks on the caller's time. Blocks
 * are sealed later as before; a seal supersedes every record of its block numbered before the seal
 * started ({@link #sealStarting}), which the seal commits as the block's mark {@code L jnl/<ino>/<block>}.
 * After a crash, {@link Replay} applies the records a mark does not cover.
 *
 * <p>Segments rotate once past {@code segmentBytes} (an append is never split); a closed segment is
 * released once no live record is in it and the seals that superseded them are durable (LMDB synced
 * after they committed), and prepared again as a later segment ({@link SpareSegments}): fsyncs then
 * overwrite allocated blocks instead of appending, which costs the journal's flush half its time here.
 *
 * <p>Thread-safety: sequence numbers are taken on Band actors, appends and forces on the blocking pool;
 * everything here is synchronized on the journal.
 */
public final class WriteJournal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WriteJournal.class);
    static final String MARK_PREFIX = "jnl/";

    /** A block of a file, as journal records and marks name it. */
    public record BlockKey(long ino, long block) {
    }

    private final Path dir;
    private final MetaStore meta;
    private final MetadataCipher cipher;
    private final RandomGenerator random;
    private final long segmentBytes;
    /**
     * Bytes of records numbered for fsyncs but not appended yet. An fsync copies what it journals, so
     * past this much at once the bands seal instead ({@link #tryReserve}): memory stays bounded by this,
     * not by the dirty budget, and a seal writes a block once where a journal record and its later seal
     * would write it twice.
     */
    private final java.util.concurrent.atomic.AtomicLong recordRoom;
    private final List<JournalSegment> closed = new ArrayList<>();
    private final SpareSegments spares;
    private final java.util.concurrent.ExecutorService preparer;
    private JournalSegment current;
    /** Segment numbers order a replay: each new segment, spare or not, takes the next. */
    private int nextNumber = 1;
    private long lastSequence;
    private final LiveRecords live = new LiveRecords();
    private boolean dirtySinceForce;

    public WriteJournal(Path dir, MetaStore meta, MetadataCipher cipher, RandomGenerator random, long segmentBytes,
                        long recordBytesAtOnce) throws IOException {
        this(dir, meta, cipher, random, segmentBytes, recordBytesAtOnce, null);
    }

    /** @param preparer where spare segments are prepared; null for a background thread of the journal's own */
    WriteJournal(Path dir, MetaStore meta, MetadataCipher cipher, RandomGenerator random, long segmentBytes,
                 long recordBytesAtOnce, java.util.concurrent.Executor preparer) throws IOException {
        this.dir = dir;
        this.meta = meta;
        this.cipher = cipher;
        this.random = random;
        this.segmentBytes = segmentBytes;
        this.recordRoom = new java.util.concurrent.atomic.AtomicLong(recordBytesAtOnce);
        Files.createDirectories(dir);
        try (Stream<Path> old = Files.list(dir)) {
            if (old.findAny().isPresent()) {
                throw new IllegalStateException("the journal in " + dir + " must be replayed before it is reopened");
            }
        }
        this.preparer = preparer != null ? null : java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tgcryptfs-journal-spare");
            t.setDaemon(true);
            return t;
        });
        this.spares = new SpareSegments(dir, cipher, segmentBytes + SLACK, preparer != null ? preparer : this.preparer);
        // a short prepared start keeps the mount quick; the first spare, prepared meanwhile, takes over
        long first = Math.min(segmentBytes + SLACK, FIRST_PREPARED);
        current = JournalSegment.roomToZeroFill(dir, first)
                ? JournalSegment.prepare(dir, nextNumber++, cipher, randomId(), first, null)
                : JournalSegment.create(dir, nextNumber++, cipher, randomId());
        LocalFiles.forceDirectory(dir);
        prepareSpare();
    }

    /** Past the segment size, for the append that crosses it (an append is never split). */
    private static final long SLACK = 1 << 20;
    private static final long FIRST_PREPARED = 8 << 20;

    /**
     * Room for {@code bytes} of record data until {@link #unreserve}: false when the fsyncs under way hold
     * as much as allowed (then the caller seals instead). Never waits: called on band actors.
     */
    public boolean tryReserve(long bytes) {
        long left;
        do {
            left = recordRoom.get();
            if (left < bytes) {
                return false;
            }
        } while (!recordRoom.compareAndSet(left, left - bytes));
        return true;
    }

    /** Gives back what {@link #tryReserve} took, once the records are appended (or abandoned). */
    public void unreserve(long bytes) {
        recordRoom.addAndGet(bytes);
    }

    /** Numbers a record for {@code block}; called on the block's actor, before the record is appended. */
    public synchronized long nextSequence(BlockKey block) {
        long sequence = ++lastSequence;
        live.add(sequence, block);
        return sequence;
    }

    /**
     * A seal of {@code block} starts (on its actor): it will hold every byte written before now, so it
     * supersedes every record numbered so far. Returns that number, or 0 when the block has no live record
     * (then the seal needs no mark).
     */
    public synchronized long sealStarting(BlockKey block) {
        return live.hasAny(block) ? lastSequence : 0;
    }

    /**
     * The seal that started at {@code sealSequence} committed: writes the block's mark (so a replay skips
     * the records it covers) and forgets those records.
     */
    public void sealed(BlockKey block, long sealSequence) {
        if (sealSequence == 0) {
            return;
        }
        meta.write(w -> {
            long mark = w.local(markName(block)).map(v -> ByteBuffer.wrap(v).getLong()).orElse(0L);
            if (sealSequence > mark) {
                w.putLocal(markName(block), ByteBuffer.allocate(8).putLong(sealSequence).array());
            }
            return null;
        });
        synchronized (this) {
            live.supersede(block, sealSequence);
        }
    }

    /**
     * The file of {@code block} was deleted, and the deletion committed: the block's records are dead
     * without a seal or a mark. The deletion is durable with the LMDB sync that lets their segments go
     * ({@link #release}); before it, a replay finds the file and applies them; after it, a replay skips
     * the records of an inode that does not exist (inode numbers are never reused).
     */
    public synchronized void discarded(BlockKey block) {
        live.supersede(block, lastSequence);
    }

    /**
     * Appends records (their sequences from {@link #nextSequence}); not yet durable: see {@link #force}.
     * A record whose block was sealed since it was numbered is left out: the seal holds its bytes and
     * is durable with the next LMDB sync, and written now, after the journal may have started over
     * without that block's mark, a replay would lay the older bytes over the sealed block.
     */
    public synchronized void append(List<JournalRecord> records) throws IOException {
        List<JournalRecord> wanted = records.stream().filter(r -> live.contains(r.sequence())).toList();
        if (wanted.isEmpty()) {
            return;
        }
        JitWarmup.startLargeSealsInBackground();
        if (current.size() >= segmentBytes || (!current.appendsInPlace() && spares.isReady())) {
            rotate();
        }
        current.append(wanted);
        dirtySinceForce = true;
    }

    /** Makes every appended record durable. */
    public synchronized void force() throws IOException {
        if (dirtySinceForce) {
            // closed segments were forced when they were closed (rotate): an fdatasync of a clean file
            // still costs a fifth of a millisecond here, on every fsync, for every closed segment
            current.force();
            dirtySinceForce = false;
        }
    }

    /** The oldest live record's sequence (Long.MAX_VALUE when none): take it before syncing LMDB. */
    public synchronized long oldestLive() {
        return live.oldest();
    }

    /**
     * After LMDB was synced: releases the segments holding only records superseded before
     * {@code oldestLiveBeforeSync} was read (set aside for reuse or deleted, {@link SpareSegments}). With
     * no live record at all the journal starts over in a new segment, and the marks, no longer needed, go
     * too.
     */
    public synchronized void release(long oldestLiveBeforeSync) {
        try {
            boolean restart = oldestLiveBeforeSync == Long.MAX_VALUE && live.isEmpty() && current.maxSequence > 0;
            if (restart) {
                JournalSegment old = current;
                current = nextSegment();
                closed.add(old); // released below with the others
            }
            boolean released = false;
            for (var it = closed.iterator(); it.hasNext(); ) {
                JournalSegment s = it.next();
                if (s.maxSequence < oldestLiveBeforeSync) {
                    spares.release(s); // if it fails, the segment stays listed and goes at the next sync
                    it.remove();
                    released = true;
                }
            }
            if (released) {
                // a segment a power loss brought back after its block's marks were cleared would be
                // replayed over newer seals: released segments are out of a replay's sight (deleted or
                // renamed aside) durably before any mark goes
                LocalFiles.forceDirectory(dir);
            }
            if (restart) {
                // under the lock: no seal may write a mark between the restart and this clearing
                clearMarks(meta);
            }
        } catch (IOException e) {
            log.warn("cannot delete old journal segments (retried at the next sync): {}", e.toString());
        }
    }

    @Override
    public synchronized void close() throws IOException {
        spares.close();
        if (preparer != null) {
            preparer.shutdown();
        }
        for (JournalSegment s : closed) {
            s.close();
        }
        current.close();
    }

    private void rotate() throws IOException {
        current.force();
        closed.add(current);
        current = nextSegment();
    }

    /** The spare when it is ready, else a new segment appended to as it grows; the next spare starts either way. */
    private JournalSegment nextSegment() throws IOException {
        JournalSegment next = spares.take(current.number);
        if (next == null) {
            next = JournalSegment.create(dir, nextNumber++, cipher, randomId());
        }
        prepareSpare();
        return next;
    }

    private void prepareSpare() {
        spares.prepare(() -> nextNumber++, this::randomId);
    }

    private byte[] randomId() {
        byte[] id = new byte[16];
        random.nextBytes(id);
        return id;
    }

    static String markName(BlockKey block) {
        return MARK_PREFIX + String.format("%016x/%016x", block.ino(), block.block());
    }

    /** Deletes every mark (they only matter while a journal segment exists). */
    static void clearMarks(MetaStore meta) {
        List<String> marks = meta.read(r -> r.localNames(MARK_PREFIX));
        for (int from = 0; from < marks.size(); from += 10_000) {
            List<String> batch = marks.subList(from, Math.min(marks.size(), from + 10_000));
            meta.write(w -> {
                batch.forEach(w::deleteLocal);
                return null;
            });
        }
    }
}
