package io.tgcryptfs.backup;

import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.meta.PackRecord;
import io.tgcryptfs.meta.PackState;

/**
 * A pack that was still waiting for upload when a restore point was captured and is on the backend by
 * the time the point is published: the point's copy of its record gains the state and reference.
 */
public record PackFix(PackId id, long size, long liveBytes, String ref) {
    PackRecord record() {
        return new PackRecord(id, PackState.UPLOADED, size, liveBytes, ref);
    }

    void writeTo(Codec.Out out) {
        out.raw(id.bytes()).i64(size).i64(liveBytes).str(ref);
    }

    static PackFix readFrom(Codec.In in) {
        return new PackFix(PackId.of(in.raw(PackId.LENGTH)), in.i64(), in.i64(), in.str());
    }
}
