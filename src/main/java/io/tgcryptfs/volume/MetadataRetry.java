package io.tgcryptfs.volume;

import io.tgcryptfs.backend.Backoff;
import io.tgcryptfs.backend.Retry;
import io.tgcryptfs.backend.Sleeper;
import io.tgcryptfs.config.Settings;
import io.tgcryptfs.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.random.RandomGenerator;

/** The one retry policy of metadata calls, shared by an open volume's metadata log and by restores. */
final class MetadataRetry {
    private static final Logger log = LoggerFactory.getLogger(MetadataRetry.class);
    /** Attempts per backend call of the metadata log before a tick gives up (the next tick tries again). */
    private static final int METADATA_ATTEMPTS = 8;

    private MetadataRetry() {
    }

    /** The policy with the configured backoff: a command's calls (a restore, setting a volume up). */
    static Retry policy(Settings settings, Sleeper sleeper, RandomGenerator random, Metrics metrics) {
        return policy(new Backoff(settings.retryMinBackoff(), settings.retryMaxBackoff(), settings.retryRandomFactor()),
                sleeper, random, metrics);
    }

    /** Retries are counted by cause like the uploads'. */
    static Retry policy(Backoff backoff, Sleeper sleeper, RandomGenerator random, Metrics metrics) {
        return new Retry(backoff, sleeper, random, METADATA_ATTEMPTS, (cause, e) -> {
            metrics.retry(cause);
            log.warn("metadata backend call failed ({}), retrying: {}", cause, e.getMessage());
        });
    }
}
