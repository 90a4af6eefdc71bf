package io.tgcryptfs.journal;

import io.tgcryptfs.chunk.Outbox;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.meta.MetaStore;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The one way to make what is written durable on the local disk, in the order recovery needs: pack
 * bytes before the LMDB records that point at them, the journal before fsync returns, and journal
 * segments deleted only after the seals that superseded them are synced.
 */
public final class LocalSync {
    private final Outbox outbox;
    private final WriteJournal journal;
    private final MetaStore meta;
    /**
     * Forces the packs and LMDB while the caller forces the journal. Threads of its own: the blocking
     * dispatcher can be full of seals waiting for outbox room, and an fsync must not wait for the backend.
     */
    private final ExecutorService forcing = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tgcryptfs-sync");
        t.setDaemon(true);
        return t;
    });

    public LocalSync(Outbox outbox, WriteJournal journal, MetaStore meta) {
        this.outbox = outbox;
        this.journal = journal;
        this.meta = meta;
    }

    public void sync() {
        sync(List.of());
    }

    /** fsync: appends {@code records} to the journal and makes them durable with everything else. */
    public void sync(List<JournalRecord> records) {
        long oldestLive = journal.oldestLive(); // before the sync: only seals committed by now become durable
        // the journal does not depend on the other two, so its append (encrypting every record) and its
        // flush overlap theirs (each a disk cache flush of its own); packs still go before LMDB
        CompletableFuture<Void> stores = CompletableFuture.runAsync(() -> {
            outbox.force();
            meta.sync();
        }, forcing);
        try {
            appendAndForce(records);
        } finally {
            awaitStores(stores);
        }
        journal.release(oldestLive);
    }

    private void appendAndForce(List<JournalRecord> records) {
        if (!records.isEmpty()) {
            try {
                journal.append(records);
            } catch (IOException e) {
                throw new FsException(FsError.IO, "cannot append to the write journal: " + e.getMessage(), e);
            }
        }
        try {
            journal.force();
        } catch (IOException e) {
            throw new FsException(FsError.IO, "cannot force the write journal: " + e.getMessage(), e);
        }
    }

    private static void awaitStores(CompletableFuture<Void> stores) {
        try {
            stores.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }
}
