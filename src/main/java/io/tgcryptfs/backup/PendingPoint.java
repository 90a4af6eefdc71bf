package io.tgcryptfs.backup;

import io.tgcryptfs.fs.PackId;

import java.util.ArrayList;
import java.util.List;

/**
 * A captured restore point not yet published: its packs that were still waiting for upload at the
 * capture (the point may be published only once they are on the backend), and what a listing shows.
 */
record PendingPoint(long sequence, long createdMillis, long checkpointSequence, PointStats stats,
                    List<PendingPack> packs) {
    /** A pack that was OPEN or SEALED at the capture, with the size and live bytes the capture saw. */
    record PendingPack(PackId id, long liveBytes) {
    }

    byte[] encode() {
        Codec.Out out = new Codec.Out().u8(1).i64(sequence).i64(createdMillis).i64(checkpointSequence);
        stats.writeTo(out);
        out.i32(packs.size());
        packs.forEach(p -> out.raw(p.id().bytes()).i64(p.liveBytes()));
        return out.toBytes();
    }

    static PendingPoint decode(byte[] bytes) {
        Codec.In in = new Codec.In(bytes, "pending restore point");
        in.u8();
        long sequence = in.i64();
        long created = in.i64();
        long checkpoint = in.i64();
        PointStats stats = PointStats.readFrom(in);
        int n = in.count(PackId.LENGTH + 8);
        List<PendingPack> packs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            packs.add(new PendingPack(PackId.of(in.raw(PackId.LENGTH)), in.i64()));
        }
        return new PendingPoint(sequence, created, checkpoint, stats, List.copyOf(packs));
    }
}
