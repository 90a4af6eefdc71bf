package io.tgcryptfs.volume;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.util.concurrent.TimeUnit;

/**
 * Takes an open volume apart: what makes work stops before what it writes to (gc, the metadata log,
 * uploads and the actors; then journal, outbox, LMDB, keys and backend), and the state directory's
 * lock goes last, so no other process opens the volume while this one is still closing it.
 */
final class VolumeShutdown {
    private static final Logger log = LoggerFactory.getLogger(VolumeShutdown.class);

    private VolumeShutdown() {
    }

    static void run(VolumeParts p) {
        p.gcThread().shutdownNow();
        p.backendSync().close();
        p.uploads().close();
        p.uploadThreads().shutdownNow();
        p.system().terminate();
        try {
            p.system().getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("actor system did not stop cleanly: {}", e.toString());
        }
        try {
            p.journal().close();
        } catch (IOException e) {
            log.warn("closing the write journal: {}", e.toString());
        }
        p.outbox().close();
        p.packCache().close();
        p.meta().close();
        p.keys().close();
        try {
            p.backend().close();
        } catch (IOException e) {
            log.warn("closing the backend: {}", e.toString());
        }
        release(p.lockChannel(), p.lock());
    }

    private static void release(FileChannel channel, FileLock lock) {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // the lock goes with the process anyway
        }
    }
}
