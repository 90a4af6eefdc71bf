package io.tgcryptfs.backup;

/** What a restore point holds, for listings: files (inodes), file bytes referenced, bytes stored. */
public record PointStats(long files, long logicalBytes, long storedBytes) {
    void writeTo(Codec.Out out) {
        out.i64(files).i64(logicalBytes).i64(storedBytes);
    }

    static PointStats readFrom(Codec.In in) {
        return new PointStats(in.i64(), in.i64(), in.i64());
    }
}
