package io.tgcryptfs.engine;

import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.fs.Timestamp;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.MetaWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Files whose committed size or times may vouch for bytes a crash would lose. A write's size commits
 * before its bytes are sealed ({@code InodeAttributes.extend}), and programs set a file's times after
 * writing it (rsync, tar, cp -p; the kernel's writeback cache sends its own): after a crash such a file
 * would come back with the size and time it was meant to have and zeros where the lost bytes were, and
 * the next rsync would skip it as unchanged. So a transaction committing a size or times of a file that
 * holds unbacked bytes also leaves a mark, in LMDB's local table (never replicated); the mark goes once
 * seals or an fsync back every byte. A mark found at start means a crash took bytes that size and time
 * vouch for, and the file's times move to the time of recovery, so tools comparing size and time copy it
 * again ({@link #recover}).
 *
 * <p>Sound because every decision is taken inside a write transaction (LMDB serializes them), a write
 * counts as unbacked in {@link DirtyRegions} from before the transaction that moves its size until its
 * band has published it, and a file stays unbacked while an fsync of it runs: its bands count the
 * records it took as backed before the journal is forced.
 */
public final class UnbackedFiles {
    private static final Logger log = LoggerFactory.getLogger(UnbackedFiles.class);
    private static final String PREFIX = "unbacked/";
    private static final byte[] MARK = new byte[0];
    /** Files named one by one in the log at recovery; past that, a count. */
    private static final int LOGGED = 20;

    private final DirtyRegions dirtyRegions;
    /** Inodes that may hold a mark: the ones a sweep looks at. Changed inside write transactions only. */
    private final Set<Long> marked = ConcurrentHashMap.newKeySet();
    /** Fsyncs running, by inode. */
    private final ConcurrentHashMap<Long, Integer> syncing = new ConcurrentHashMap<>();

    public UnbackedFiles(DirtyRegions dirtyRegions) {
        this.dirtyRegions = dirtyRegions;
    }

    /** In the transaction moving a size or times for a write on its way (its bytes are unbacked). */
    public void mark(MetaWriter w, long ino) {
        marked.add(ino);
        String name = name(ino);
        if (w.local(name).isEmpty()) {
            w.putLocal(name, MARK);
        }
    }

    /** In a transaction committing a size or times of {@code ino}: marks it if it holds unbacked bytes. */
    public void markIfUnbacked(MetaWriter w, long ino) {
        if (!backed(ino)) {
            mark(w, ino);
        }
    }

    /** An fsync of {@code ino} starts: until {@link #synced}, what its bands journal is not forced yet. */
    public void syncing(long ino) {
        syncing.merge(ino, 1, Integer::sum);
    }

    /** ...and ended, forced or failed. */
    public void synced(long ino) {
        syncing.computeIfPresent(ino, (k, n) -> n == 1 ? null : n - 1);
    }

    private boolean backed(long ino) {
        // the bands first: once they say backed, an fsync that made them so is still counted, or forced
        return !dirtyRegions.mayHoldUnbacked(ino) && !syncing.containsKey(ino);
    }

    /** After an fsync of {@code ino}: drops its mark if every byte is now sealed or journaled. */
    public void settle(MetaStore meta, long ino) {
        if (marked.contains(ino)) {
            drop(meta, List.of(ino));
        }
    }

    /** Drops the marks of every file no longer holding unbacked bytes (periodically, and after a sync). */
    public void sweep(MetaStore meta) {
        if (!marked.isEmpty()) {
            drop(meta, new ArrayList<>(marked));
        }
    }

    private void drop(MetaStore meta, List<Long> marks) {
        // a first look outside the transaction: most of the time no mark can go, and then nothing commits
        List<Long> candidates = marks.stream().filter(this::backed).toList();
        if (candidates.isEmpty()) {
            return;
        }
        List<Long> dropped = new ArrayList<>();
        try {
            meta.write(w -> {
                for (long ino : candidates) {
                    if (backed(ino)) {
                        w.deleteLocal(name(ino));
                        marked.remove(ino);
                        dropped.add(ino);
                    }
                }
                return null;
            });
        } catch (RuntimeException e) {
            marked.addAll(dropped); // the marks are still there: look again next time
            throw e;
        }
    }

    /**
     * At start, after the journal replayed, before anything is served: every marked file still there
     * gets {@code now} as its mtime and ctime, and the marks go.
     *
     * @return the files whose times moved
     */
    public static List<Long> recover(MetaStore meta, Timestamp now) {
        List<String> names = meta.read(r -> r.localNames(PREFIX));
        if (names.isEmpty()) {
            return List.of();
        }
        List<Long> touched = meta.write(w -> {
            List<Long> files = new ArrayList<>();
            for (String name : names) {
                long ino = HexFormat.fromHexDigitsToLong(name, PREFIX.length(), name.length());
                w.deleteLocal(name);
                Inode inode = w.inode(ino).orElse(null);
                if (inode != null && inode.isRegular()) {
                    w.putInode(inode.withModified(now));
                    files.add(ino);
                }
            }
            return files;
        });
        touched.stream().limit(LOGGED).forEach(ino -> log.warn("inode {} was being written when tgcryptfs stopped and "
                + "bytes not yet synced may be lost (they read as zeros); its modification time is now the time of "
                + "recovery, so that backup tools comparing size and time copy it again", ino));
        if (touched.size() > LOGGED) {
            log.warn("{} more files likewise", touched.size() - LOGGED);
        }
        return touched;
    }

    private static String name(long ino) {
        return PREFIX + HexFormat.of().toHexDigits(ino);
    }
}
