package io.tgcryptfs.chunk;

import io.tgcryptfs.fs.PackId;

/** Where an appended sealed chunk landed. */
public record ChunkLocation(PackId pack, long offset, int sealedLength) {
}
