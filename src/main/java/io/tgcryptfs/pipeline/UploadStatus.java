package io.tgcryptfs.pipeline;

import java.util.Map;

/** A snapshot of the upload pipeline for `status` and metrics. */
public record UploadStatus(int pendingPacks, long pendingBytes, long uploadedPacks, long uploadedBytes,
                           Map<String, Long> retriesByCause, String blockedReason) {
}
