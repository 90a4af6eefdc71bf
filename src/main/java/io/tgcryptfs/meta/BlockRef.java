package io.tgcryptfs.meta;

import io.tgcryptfs.fs.ChunkId;

/** Block {@code index} of a file holds the chunk {@code chunk}. Absent blocks are holes. */
public record BlockRef(long index, ChunkId chunk) {
}
