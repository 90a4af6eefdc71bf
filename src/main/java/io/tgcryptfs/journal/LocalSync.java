package io.tgcryptfs.journal;

import io.tgcryptfs.chunk.Outbox;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.meta.MetaStore;

import java.io.IOException;

/**
 * The one way to make what is written durable on the local disk, in the order recovery needs: pack
 * bytes before the LMDB records that point at them, the journal before fsync returns, and journal
 * segments deleted only after the seals that superseded them are synced.
 */
public final class LocalSync {
    private final Outbox outbox;
    private final WriteJournal journal;
    private final MetaStore meta;

    public LocalSync(Outbox outbox, WriteJournal journal, MetaStore meta) {
        this.outbox = outbox;
        this.journal = journal;
        this.meta = meta;
    }

    public void sync() {
        sync(java.util.List.of());
    }

    /** fsync: appends {@code records} to the journal, then {@link #sync()}. */
    public void sync(java.util.List<JournalRecord> records) {
        if (!records.isEmpty()) {
            try {
                journal.append(records);
            } catch (IOException e) {
                throw new FsException(FsError.IO, "cannot append to the write journal: " + e.getMessage(), e);
            }
        }
        long oldestLive = journal.oldestLive(); // before the sync: only seals committed by now become durable
        outbox.force();
        try {
            journal.force();
        } catch (IOException e) {
            throw new FsException(FsError.IO, "cannot force the write journal: " + e.getMessage(), e);
        }
        meta.sync();
        journal.release(oldestLive);
    }
}
