package io.tgcryptfs.metrics;

import java.util.List;

/**
 * Every value of the {@code cause} label of {@code tgcryptfs_retries_total}, created at zero when metrics
 * start so a first retry (and the alert on {@code permanent}) is seen. Uploads retry on each failure kind
 * of the backend ({@code transient}, {@code rate-limited}, {@code not-found}, {@code permanent}); metadata
 * calls retry {@code transient} and {@code rate-limited}; pack downloads report those two with a
 * {@code download-} prefix.
 */
public final class RetryCauses {
    public static final List<String> ALL = List.of(
            "transient", "rate-limited", "not-found", "permanent", "download-transient", "download-rate-limited");

    private RetryCauses() {
    }

    /** The cause a pack download reports for a backend failure of the given cause. */
    public static String download(String cause) {
        return "download-" + cause;
    }
}
