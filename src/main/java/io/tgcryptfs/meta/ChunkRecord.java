package io.tgcryptfs.meta;

import io.tgcryptfs.fs.ChunkId;
import io.tgcryptfs.fs.PackId;

/** Where a sealed chunk lives (pack, byte offset, sealed length) and how many blocks point to it. */
public record ChunkRecord(ChunkId id, PackId pack, long offset, int sealedLength, int plainLength, long refcount) {
    public ChunkRecord withRefcount(long newRefcount) {
        return new ChunkRecord(id, pack, offset, sealedLength, plainLength, newRefcount);
    }
}
