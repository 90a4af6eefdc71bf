package io.tgcryptfs.meta;

import io.tgcryptfs.fs.PackId;

/**
 * A pack: its state, its size in bytes, the bytes still referenced by live chunks (for gc), and the
 * backend's reference once uploaded ({@code null} before).
 */
public record PackRecord(PackId id, PackState state, long size, long liveBytes, String remoteRef) {
    public PackRecord withState(PackState newState) {
        return new PackRecord(id, newState, size, liveBytes, remoteRef);
    }

    public PackRecord withSize(long newSize, long newLiveBytes) {
        return new PackRecord(id, state, newSize, newLiveBytes, remoteRef);
    }

    public PackRecord withLiveBytes(long newLiveBytes) {
        return new PackRecord(id, state, size, newLiveBytes, remoteRef);
    }

    public PackRecord uploaded(String ref) {
        return new PackRecord(id, PackState.UPLOADED, size, liveBytes, ref);
    }
}
