package io.tgcryptfs.chunk;

import io.tgcryptfs.fs.PackId;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Read channels of recently read pack files, least recently used closed first. A small random read was
 * paying for two existence checks, an open and a close before its one positional read. A channel stays
 * valid when its pack moves from the outbox to the cache (same file); whoever deletes or replaces a pack
 * file forgets its channel first, so no space is held and no stale copy is read.
 */
final class OpenPacks {
    /** Open files kept: a few per reader is plenty, and each costs one descriptor. */
    private static final int MAX_OPEN = 32;

    /** Opens a pack file for reading. */
    @FunctionalInterface
    interface Opener {
        FileChannel open() throws IOException;
    }

    private final LinkedHashMap<PackId, FileChannel> open = new LinkedHashMap<>(MAX_OPEN * 2, 0.75f, true);

    FileChannel get(PackId pack, Opener opener) throws IOException {
        synchronized (open) {
            FileChannel ch = open.get(pack);
            if (ch != null && ch.isOpen()) {
                return ch;
            }
        }
        FileChannel fresh = opener.open();
        FileChannel evicted = null;
        synchronized (open) {
            FileChannel raced = open.get(pack);
            if (raced != null && raced.isOpen()) {
                close(fresh);
                return raced;
            }
            open.put(pack, fresh);
            if (open.size() > MAX_OPEN) {
                Map.Entry<PackId, FileChannel> eldest = open.entrySet().iterator().next();
                evicted = eldest.getValue();
                open.remove(eldest.getKey());
            }
        }
        if (evicted != null) {
            // a reader still using it gets ClosedChannelException and opens the pack again
            close(evicted);
        }
        return fresh;
    }

    void forget(PackId pack) {
        FileChannel ch;
        synchronized (open) {
            ch = open.remove(pack);
        }
        if (ch != null) {
            close(ch);
        }
    }

    private static void close(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // a read-only channel: nothing was buffered
        }
    }
}
