package io.tgcryptfs.chunk;

import io.tgcryptfs.fs.PackId;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Recently read pack files ({@link PackFile}), least recently used closed first. A small random read was
 * paying for two existence checks, an open and a close before its one positional read. A file stays
 * valid when its pack moves from the outbox to the cache (same file); whoever deletes or replaces a pack
 * file forgets it first, so no space is held and no stale copy is read.
 */
final class OpenPacks {
    /** Open files kept: a few per reader is plenty, and each costs one descriptor (and a mapping). */
    private static final int MAX_OPEN = 32;

    /** Opens a pack file for reading. */
    @FunctionalInterface
    interface Opener {
        FileChannel open() throws IOException;
    }

    private final LinkedHashMap<PackId, PackFile> open = new LinkedHashMap<>(MAX_OPEN * 2, 0.75f, true);

    /** The pack's file, held for reading: the caller releases it ({@link PackFile#release}). */
    PackFile acquire(PackId pack, Opener opener) throws IOException {
        synchronized (open) {
            PackFile file = open.get(pack);
            if (file != null && file.acquire()) {
                return file;
            }
        }
        PackFile fresh = new PackFile(opener.open());
        PackFile evicted = null;
        synchronized (open) {
            PackFile raced = open.get(pack);
            if (raced != null && raced.acquire()) {
                fresh.close();
                return raced;
            }
            fresh.acquire();
            open.put(pack, fresh);
            if (open.size() > MAX_OPEN) {
                Map.Entry<PackId, PackFile> eldest = open.entrySet().iterator().next();
                evicted = eldest.getValue();
                open.remove(eldest.getKey());
            }
        }
        if (evicted != null) {
            // a reader still inside finishes first: the file closes when it leaves
            evicted.close();
        }
        return fresh;
    }

    void forget(PackId pack) {
        PackFile file;
        synchronized (open) {
            file = open.remove(pack);
        }
        if (file != null) {
            file.close();
        }
    }

    /** Closes every file (the volume is closing); a reader still inside finishes first. */
    void closeAll() {
        List<PackFile> all;
        synchronized (open) {
            all = new ArrayList<>(open.values());
            open.clear();
        }
        all.forEach(PackFile::close);
    }
}
