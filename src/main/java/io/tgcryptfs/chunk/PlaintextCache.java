package io.tgcryptfs.chunk;

import io.tgcryptfs.fs.ChunkId;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decrypted frames in memory, least recently used evicted first, bounded in bytes. Frames, not whole
 * blocks: a small random read caches what it decrypted, and frame-sized arrays are cheap for the collector
 * to move where block-sized ones were a large share of a random read's CPU time.
 */
public final class PlaintextCache {
    /** One frame of one chunk. */
    public record Key(ChunkId chunk, int frame) {
    }

    private final long maxBytes;
    private final LinkedHashMap<Key, byte[]> entries = new LinkedHashMap<>(256, 0.75f, true);
    private long bytes;

    public PlaintextCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    public synchronized byte[] get(Key id) {
        return entries.get(id);
    }

    public synchronized void put(Key id, byte[] plain) {
        if (plain.length > maxBytes) {
            return;
        }
        byte[] previous = entries.put(id, plain);
        bytes += plain.length - (previous == null ? 0 : previous.length);
        var it = entries.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<Key, byte[]> eldest = it.next();
            bytes -= eldest.getValue().length;
            it.remove();
        }
    }

    public synchronized long bytes() {
        return bytes;
    }
}
