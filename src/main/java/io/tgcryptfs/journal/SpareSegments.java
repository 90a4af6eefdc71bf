package io.tgcryptfs.journal;

import io.tgcryptfs.crypto.MetadataCipher;
import io.tgcryptfs.fs.LocalFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The journal's next segment, prepared off the fsync path while the current one fills
 * ({@link JournalSegment#prepare}): a released segment set aside when there is one (no new blocks to
 * write), else a new zero-filled file while the disk has room to spare for it (else none: the journal
 * appends to new segments as it grows). One is prepared at a time; up to {@value #KEPT} released segments
 * are kept for it (a busy journal releases several at once, then fills as many again), others are deleted.
 *
 * <p>Segment numbers order a replay, so a spare is only ever taken to follow a segment numbered below
 * it: one prepared while the journal had to go on without it (it was not ready) is thrown away.
 */
final class SpareSegments implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SpareSegments.class);

    /** Released segments kept to be prepared again: 256 MiB of disk at the default segment size. */
    static final int KEPT = 4;

    private final Path dir;
    private final MetadataCipher cipher;
    private final long zeroFillTo;
    private final Executor preparer;
    private JournalSegment ready;
    private final java.util.Deque<Path> setAside = new java.util.ArrayDeque<>();
    private boolean preparing;
    private boolean closed;

    /**
     * @param zeroFillTo how far a new spare is zero-filled: past the segment size by an append's worth
     * @param preparer where spares are prepared (a background thread; the caller's own in tests)
     */
    SpareSegments(Path dir, MetadataCipher cipher, long zeroFillTo, Executor preparer) {
        this.dir = dir;
        this.cipher = cipher;
        this.zeroFillTo = zeroFillTo;
        this.preparer = preparer;
    }

    /** Whether a spare is ready to be taken. */
    synchronized boolean isReady() {
        return ready != null;
    }

    /** The ready spare when it may follow segment {@code after} (numbered above it); else null. */
    JournalSegment take(int after) {
        JournalSegment spare;
        synchronized (this) {
            spare = ready;
            ready = null;
        }
        if (spare != null && spare.number <= after) {
            discard(spare);
            return null;
        }
        return spare;
    }

    /**
     * Starts preparing a spare unless one is ready or under way; {@code number} and {@code id} are asked
     * for only when one starts.
     */
    void prepare(IntSupplier number, Supplier<byte[]> id) {
        int n;
        byte[] fileId;
        Path reused;
        synchronized (this) {
            if (closed || preparing || ready != null) {
                return;
            }
            preparing = true;
            n = number.getAsInt();
            fileId = id.get();
            reused = setAside.pollFirst();
        }
        preparer.execute(() -> prepareNow(n, fileId, reused));
    }

    private void prepareNow(int number, byte[] id, Path reused) {
        JournalSegment spare = null;
        try {
            if (reused != null || JournalSegment.roomToZeroFill(dir, zeroFillTo)) {
                spare = JournalSegment.prepare(dir, number, cipher, id, zeroFillTo, reused);
                LocalFiles.forceDirectory(dir); // its name survives a power loss before it holds a record
            }
        } catch (IOException | RuntimeException e) {
            log.warn("cannot prepare the next journal segment (fsyncs append to a new one instead): {}", e.toString());
            deleteQuietly(reused);
        }
        synchronized (this) {
            preparing = false;
            if (spare != null && !closed) {
                ready = spare;
                return;
            }
        }
        if (spare != null) {
            discard(spare);
        }
    }

    /**
     * A segment whose records are all superseded: set aside for a later spare, or deleted when enough
     * are set aside already or the disk is short of room (what it holds is given back then). Either way
     * it is out of a replay's sight once the caller forces the directory.
     */
    void release(JournalSegment segment) throws IOException {
        boolean roomy = JournalSegment.roomToZeroFill(dir, zeroFillTo);
        synchronized (this) {
            if (!closed && setAside.size() < KEPT && roomy) {
                setAside.addLast(segment.setAside());
                return;
            }
        }
        segment.close();
        Files.deleteIfExists(segment.file);
    }

    @Override
    public void close() {
        JournalSegment spare;
        synchronized (this) {
            closed = true;
            spare = ready;
            ready = null;
        }
        if (spare != null) {
            try {
                spare.close();
            } catch (IOException e) {
                log.debug("closing a spare journal segment: {}", e.toString());
            }
        }
    }

    private static void discard(JournalSegment spare) {
        try {
            spare.close();
            Files.deleteIfExists(spare.file);
        } catch (IOException e) {
            log.debug("dropping a spare journal segment: {}", e.toString());
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.debug("dropping a set-aside journal segment: {}", e.toString());
        }
    }
}
