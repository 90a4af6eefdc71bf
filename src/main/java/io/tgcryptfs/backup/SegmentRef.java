package io.tgcryptfs.backup;

/**
 * A segment of the metadata log: its random object name, the restore point whose capture wrote it, its
 * sealed size, how many records it holds, and the backend's reference once uploaded (empty before).
 */
public record SegmentRef(String name, long point, long sealedBytes, long records, String ref) {
    public SegmentRef uploaded(String backendRef) {
        return new SegmentRef(name, point, sealedBytes, records, backendRef);
    }

    public boolean isUploaded() {
        return !ref.isEmpty();
    }

    /** The associated data its encryption is bound to. */
    public String label() {
        return label(name);
    }

    static String label(String name) {
        return "meta-segment:" + name;
    }

    void writeTo(Codec.Out out) {
        out.str(name).i64(point).i64(sealedBytes).i64(records).str(ref);
    }

    static SegmentRef readFrom(Codec.In in) {
        return new SegmentRef(in.str(), in.i64(), in.i64(), in.i64(), in.str());
    }
}
