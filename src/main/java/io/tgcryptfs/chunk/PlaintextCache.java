package io.tgcryptfs.chunk;

import io.tgcryptfs.fs.ChunkId;

import java.util.LinkedHashMap;
import java.util.Map;

/** Decrypted chunk plaintexts in memory, least recently used evicted first, bounded in bytes. */
public final class PlaintextCache {
    private final long maxBytes;
    private final LinkedHashMap<ChunkId, byte[]> entries = new LinkedHashMap<>(256, 0.75f, true);
    private long bytes;

    public PlaintextCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    public synchronized byte[] get(ChunkId id) {
        return entries.get(id);
    }

    public synchronized void put(ChunkId id, byte[] plain) {
        if (plain.length > maxBytes) {
            return;
        }
        byte[] previous = entries.put(id, plain);
        bytes += plain.length - (previous == null ? 0 : previous.length);
        var it = entries.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<ChunkId, byte[]> eldest = it.next();
            bytes -= eldest.getValue().length;
            it.remove();
        }
    }

    public synchronized long bytes() {
        return bytes;
    }
}
