package io.tgcryptfs.volume;

import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.backend.Retry;
import io.tgcryptfs.backup.RestorePoints;
import io.tgcryptfs.chunk.PackCompactor;
import io.tgcryptfs.fs.PackId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * Gives backend space back: compacts mostly dead packs (bounded bytes per pass), and deletes retired
 * packs once no kept restore point can mention them. Runs in the background every {@code gc.interval}
 * and on `tgcryptfs gc`; one pass at a time.
 */
final class GarbageCollector {
    private static final Logger log = LoggerFactory.getLogger(GarbageCollector.class);

    private final PackCompactor compactor;
    private final RestorePoints points;
    private final BlobStore backend;
    private final Retry retry;
    private final double minLiveRatio;
    private final long maxBytesPerPass;

    /** @param retry the metadata calls' policy: a pack's deletion waits out passing failures as they do */
    GarbageCollector(PackCompactor compactor, RestorePoints points, BlobStore backend, Retry retry, double minLiveRatio,
                     long maxBytesPerPass) {
        this.compactor = compactor;
        this.points = points;
        this.backend = backend;
        this.retry = retry;
        this.minLiveRatio = minLiveRatio;
        this.maxBytesPerPass = maxBytesPerPass;
    }

    /** Compacts; the retired packs wait for the restore points that mention them to expire. */
    synchronized PackCompactor.Result compact(Consumer<String> out) {
        PackCompactor.Result result = compactor.compact(minLiveRatio, maxBytesPerPass, out);
        out.accept(String.format("moved %d live chunks (%.1f MiB) out of %d packs", result.chunksMoved(),
                result.bytesMoved() / 1048576.0, result.packsRetired()));
        return result;
    }

    /** Deletes the retired packs no kept point mentions; returns how many, and says how many wait. */
    synchronized int deleteUnneeded(Consumer<String> out) throws BackendException, IOException, InterruptedException {
        List<PackId> deletable = points.retiredPacksNoPointNeeds();
        int deleted = compactor.deleteRetired(deletable, ref -> retry.call(() -> {
            backend.delete(ref);
            return null;
        }));
        points.forgetRetired(deletable);
        int waiting = compactor.retired().size();
        out.accept(String.format("deleted %d packs from the backend%s", deleted, waiting == 0 ? ""
                : "; " + waiting + " retired packs wait until no kept restore point mentions them"));
        return deleted;
    }

    /** One background pass; failures are logged and retried at the next pass. */
    void backgroundPass() {
        try {
            compact(line -> log.debug("gc: {}", line));
            deleteUnneeded(line -> log.info("gc: {}", line));
        } catch (BackendException | IOException | RuntimeException e) {
            log.warn("background gc failed (next pass retries): {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the volume is closing
        }
    }
}
