package io.tgcryptfs.backup;

import io.tgcryptfs.meta.MetaReader;
import io.tgcryptfs.meta.MetaWriter;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The metadata log's local bookkeeping, in the store's local (never replicated) entries, so it commits
 * atomically with the captures and publishes it describes:
 *
 * <pre>
 *   log/sequence                  last restore point sequence captured
 *   log/root-sequence             last root sequence this machine published (replay detection)
 *   log/checkpoint                sequence of the newest checkpoint, its bytes, delta bytes and points since
 *   log/seg/SEQ/IDX               a segment of point SEQ (SegmentRef; ref empty until uploaded)
 *   log/point/SEQ                 a captured, unpublished point (PendingPoint)
 *   log/kept/SEQ                  a published point kept on the backend (KeptPoint); the newest two are the root's
 *   log/expired/SEQ               a point retention dropped: its manifest and unneeded segments go next
 *   log/manifest                  a manifest uploaded for a publish not finished yet (reused on retry)
 *   log/obsolete/NAME             a backend object no kept point needs any more: ref, deleted when possible
 *   log/retired/PACK              the first point whose capture saw the pack RETIRED: kept points older
 *                                 than it may still need the pack
 *   log/known-from                segments of points from here on are all recorded here (after a restore:
 *                                 the restored checkpoint); older kept points' segments are in their manifests
 * </pre>
 * SEQ and IDX are fixed-width hex, so names sort in point order.
 */
final class LogBook {
    static final String SEQUENCE = "log/sequence";
    static final String ROOT_SEQUENCE = "log/root-sequence";
    static final String CHECKPOINT = "log/checkpoint";
    static final String SEGMENTS = "log/seg/";
    static final String POINTS = "log/point/";
    static final String KEPT = "log/kept/";
    static final String EXPIRED = "log/expired/";
    static final String RETIRED = "log/retired/";
    static final String KNOWN_FROM = "log/known-from";
    static final String MANIFEST = "log/manifest";
    static final String OBSOLETE = "log/obsolete/";

    private LogBook() {
    }

    /** The newest checkpoint and what was logged since: decides when the next capture is a full one. */
    record Checkpoint(long sequence, long bytes, long deltaBytes, long deltaPoints) {
        static final Checkpoint NONE = new Checkpoint(0, 0, 0, 0);

        boolean exists() {
            return sequence > 0;
        }
    }

    /** A manifest already on the backend for point {@code sequence}. */
    record UploadedManifest(long sequence, String name, String ref, long createdMillis) {
    }

    static long number(MetaReader r, String name) {
        return r.local(name).map(v -> ByteBuffer.wrap(v).getLong()).orElse(0L);
    }

    static void setNumber(MetaWriter w, String name, long value) {
        w.putLocal(name, ByteBuffer.allocate(8).putLong(value).array());
    }

    static Checkpoint checkpoint(MetaReader r) {
        return r.local(CHECKPOINT).map(v -> {
            Codec.In in = new Codec.In(v, CHECKPOINT);
            return new Checkpoint(in.i64(), in.i64(), in.i64(), in.i64());
        }).orElse(Checkpoint.NONE);
    }

    static void setCheckpoint(MetaWriter w, Checkpoint c) {
        w.putLocal(CHECKPOINT, new Codec.Out().i64(c.sequence()).i64(c.bytes()).i64(c.deltaBytes())
                .i64(c.deltaPoints()).toBytes());
    }

    static String segmentName(long point, int index) {
        return SEGMENTS + String.format("%016x/%08x", point, index);
    }

    static long pointOfSegmentName(String name) {
        return Long.parseUnsignedLong(name.substring(SEGMENTS.length(), SEGMENTS.length() + 16), 16);
    }

    static void putSegment(MetaWriter w, String entry, SegmentRef segment) {
        Codec.Out out = new Codec.Out();
        segment.writeTo(out);
        w.putLocal(entry, out.toBytes());
    }

    static SegmentRef segment(MetaReader r, String entry) {
        return SegmentRef.readFrom(new Codec.In(r.local(entry).orElseThrow(), entry));
    }

    /** Entries (names) of every recorded segment, in point order. */
    static List<String> segmentEntries(MetaReader r) {
        return r.localNames(SEGMENTS);
    }

    /** Segments of points {@code from..to} (inclusive), in order. */
    static List<SegmentRef> segments(MetaReader r, long from, long to) {
        List<SegmentRef> out = new ArrayList<>();
        for (String entry : segmentEntries(r)) {
            long point = pointOfSegmentName(entry);
            if (point >= from && point <= to) {
                out.add(segment(r, entry));
            }
        }
        return out;
    }

    static String pointName(long sequence) {
        return POINTS + String.format("%016x", sequence);
    }

    static List<PendingPoint> pendingPoints(MetaReader r) {
        List<PendingPoint> out = new ArrayList<>();
        for (String name : r.localNames(POINTS)) {
            out.add(PendingPoint.decode(r.local(name).orElseThrow()));
        }
        return out;
    }

    static String keptName(long sequence) {
        return KEPT + String.format("%016x", sequence);
    }

    /** Points kept on the backend, oldest first. */
    static List<KeptPoint> kept(MetaReader r) {
        List<KeptPoint> out = new ArrayList<>();
        for (String name : r.localNames(KEPT)) {
            out.add(KeptPoint.decode(r.local(name).orElseThrow()));
        }
        return out;
    }

    static void putKept(MetaWriter w, KeptPoint p) {
        w.putLocal(keptName(p.sequence()), p.encode());
    }

    /** Moves a point retention dropped from kept to expired. */
    static void expire(MetaWriter w, KeptPoint p) {
        w.deleteLocal(keptName(p.sequence()));
        w.putLocal(EXPIRED + String.format("%016x", p.sequence()), p.encode());
    }

    static List<KeptPoint> expired(MetaReader r) {
        List<KeptPoint> out = new ArrayList<>();
        for (String name : r.localNames(EXPIRED)) {
            out.add(KeptPoint.decode(r.local(name).orElseThrow()));
        }
        return out;
    }

    static String expiredName(long sequence) {
        return EXPIRED + String.format("%016x", sequence);
    }

    static String retiredName(io.tgcryptfs.fs.PackId pack) {
        return RETIRED + pack.hex();
    }

    static Optional<UploadedManifest> uploadedManifest(MetaReader r) {
        return r.local(MANIFEST).map(v -> {
            Codec.In in = new Codec.In(v, MANIFEST);
            return new UploadedManifest(in.i64(), in.str(), in.str(), in.i64());
        });
    }

    static void setUploadedManifest(MetaWriter w, UploadedManifest m) {
        w.putLocal(MANIFEST, new Codec.Out().i64(m.sequence()).str(m.name()).str(m.ref()).i64(m.createdMillis()).toBytes());
    }

    static void markObsolete(MetaWriter w, String name, String ref) {
        if (!ref.isEmpty()) {
            w.putLocal(OBSOLETE + name, ref.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    static List<String> obsolete(MetaReader r) {
        return r.localNames(OBSOLETE);
    }
}
