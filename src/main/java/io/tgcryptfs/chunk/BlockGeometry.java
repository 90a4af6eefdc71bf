package io.tgcryptfs.chunk;

/** Where a byte offset falls: block {@code offset / blockSize}, band {@code offset / bandSize}. */
public record BlockGeometry(int blockSize, int bandSize) {
    public BlockGeometry {
        if (blockSize <= 0 || bandSize <= 0 || bandSize % blockSize != 0) {
            throw new IllegalArgumentException("band size must be a positive multiple of block size");
        }
    }

    public long blockIndex(long offset) {
        return offset / blockSize;
    }

    public long bandIndex(long offset) {
        return offset / bandSize;
    }

    public long blockStart(long blockIndex) {
        return blockIndex * blockSize;
    }

    public long bandStart(long bandIndex) {
        return bandIndex * bandSize;
    }

    public int blocksPerBand() {
        return bandSize / blockSize;
    }

    /** Index of the first block that lies entirely at or beyond {@code size}. */
    public long firstBlockAtOrAfter(long size) {
        return (size + blockSize - 1) / blockSize;
    }
}
