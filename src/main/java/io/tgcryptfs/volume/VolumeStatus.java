package io.tgcryptfs.volume;

import io.tgcryptfs.chunk.ChunkStore;
import io.tgcryptfs.pipeline.UploadStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/** Lines for `tgcryptfs status`: what is stored and waiting, and transfer rates averaged since the volume opened. */
final class VolumeStatus {
    private final VolumeParts parts;
    private final LongSupplier nanoTime;
    private final long startedNanos;

    VolumeStatus(VolumeParts parts, LongSupplier nanoTime) {
        this.parts = parts;
        this.nanoTime = nanoTime;
        this.startedNanos = nanoTime.getAsLong();
    }

    List<String> lines() {
        UploadStatus u = parts.uploads().status();
        double seconds = Math.max(1e-3, (nanoTime.getAsLong() - startedNanos) / 1e9);
        List<String> lines = new ArrayList<>();
        long[] bytes = parts.meta().read(r -> new long[] {r.counter(ChunkStore.STORED_BYTES), r.counter(ChunkStore.LOGICAL_BYTES)});
        lines.add(String.format("stored: %.1f MiB of chunks for %.1f MiB of file data", bytes[0] / 1048576.0,
                bytes[1] / 1048576.0));
        lines.add(String.format("outbox: %d packs, %.1f MiB waiting for upload", u.pendingPacks(), u.pendingBytes() / 1048576.0));
        lines.add(String.format("uploaded since mount: %d packs, %.1f MiB (%.2f MiB/s average)", u.uploadedPacks(),
                u.uploadedBytes() / 1048576.0, u.uploadedBytes() / 1048576.0 / seconds));
        lines.add(String.format("downloaded since mount: %.1f MiB (%.2f MiB/s average)",
                parts.packCache().downloadedBytes() / 1048576.0, parts.packCache().downloadedBytes() / 1048576.0 / seconds));
        lines.add("retries by cause: " + (u.retriesByCause().isEmpty() ? "none" : u.retriesByCause().toString()));
        lines.add("uploads: " + (u.blockedReason() == null ? "running" : "blocked: " + u.blockedReason()));
        lines.add(String.format("cache: %.1f MiB", parts.packCache().cachedBytes() / 1048576.0));
        lines.addAll(parts.points().statusLines());
        if (parts.backendSync().failure() != null) {
            lines.add(parts.backendSync().failure());
        }
        lines.addAll(parts.backend().statusLines());
        return lines;
    }
}
