package io.tgcryptfs.backup;

/**
 * A published restore point kept on the backend: when it was captured, what it holds, the checkpoint it
 * builds on (so which segments it needs: those of points {@code checkpointSequence..sequence}), and its
 * manifest object.
 */
public record KeptPoint(long sequence, long createdMillis, long checkpointSequence, PointStats stats, String name,
                        String ref) {
    /** Whether this point's manifest lists the segment written by the capture of point {@code segmentPoint}. */
    boolean needs(long segmentPoint) {
        return segmentPoint >= checkpointSequence && segmentPoint <= sequence;
    }

    public RootBody.PointRef pointRef() {
        return new RootBody.PointRef(sequence, ref, name, createdMillis);
    }

    void writeTo(Codec.Out out) {
        out.i64(sequence).i64(createdMillis).i64(checkpointSequence);
        stats.writeTo(out);
        out.str(name).str(ref);
    }

    static KeptPoint readFrom(Codec.In in) {
        return new KeptPoint(in.i64(), in.i64(), in.i64(), PointStats.readFrom(in), in.str(), in.str());
    }

    byte[] encode() {
        Codec.Out out = new Codec.Out();
        writeTo(out);
        return out.toBytes();
    }

    static KeptPoint decode(byte[] bytes) {
        return readFrom(new Codec.In(bytes, "kept restore point"));
    }
}
