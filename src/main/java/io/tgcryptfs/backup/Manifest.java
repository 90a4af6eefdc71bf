package io.tgcryptfs.backup;

import java.util.ArrayList;
import java.util.List;

/**
 * A restore point on the backend: the segments to apply, in order (a checkpoint's, then every delta
 * since), the packs whose upload completed after the capture, and the catalog of the older points
 * kept on the backend. Sealed with the label {@code meta-point:<name>}; layout in docs/formats.md.
 */
public record Manifest(long sequence, long createdMillis, long checkpointSequence, PointStats stats,
                       List<SegmentRef> segments, List<PackFix> packs, List<KeptPoint> earlier) {
    static final int VERSION = 1;

    static String label(String name) {
        return "meta-point:" + name;
    }

    public long segmentBytes() {
        return segments.stream().mapToLong(SegmentRef::sealedBytes).sum();
    }

    byte[] encode() {
        Codec.Out out = new Codec.Out().u8(VERSION).i64(sequence).i64(createdMillis).i64(checkpointSequence);
        stats.writeTo(out);
        out.i32(segments.size());
        segments.forEach(s -> s.writeTo(out));
        out.i32(packs.size());
        packs.forEach(p -> p.writeTo(out));
        out.i32(earlier.size());
        earlier.forEach(p -> p.writeTo(out));
        return out.toBytes();
    }

    static Manifest decode(byte[] bytes) {
        Codec.In in = new Codec.In(bytes, "restore point manifest");
        if (in.u8() != VERSION) {
            throw new IllegalArgumentException("unknown restore point manifest version");
        }
        long sequence = in.i64();
        long created = in.i64();
        long checkpoint = in.i64();
        PointStats stats = PointStats.readFrom(in);
        int n = in.count(36);
        List<SegmentRef> segments = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            segments.add(SegmentRef.readFrom(in));
        }
        int m = in.count(36);
        List<PackFix> packs = new ArrayList<>(m);
        for (int i = 0; i < m; i++) {
            packs.add(PackFix.readFrom(in));
        }
        int k = in.count(56);
        List<KeptPoint> earlier = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            earlier.add(KeptPoint.readFrom(in));
        }
        return new Manifest(sequence, created, checkpoint, stats, List.copyOf(segments), List.copyOf(packs),
                List.copyOf(earlier));
    }
}
