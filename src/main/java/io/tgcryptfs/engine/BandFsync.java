package io.tgcryptfs.engine;

import io.tgcryptfs.journal.JournalRecord;
import io.tgcryptfs.journal.WriteJournal;
import io.tgcryptfs.journal.WriteJournal.BlockKey;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What an fsync takes from one band, decided on the band's actor: a numbered journal record for every
 * block written since its last record, or, where journaling would not pay or the journal has no room,
 * the block's seal to wait for. Taking the records moves the blocks' unjournaled ranges into them.
 *
 * @param records      to append, in sequence order per block
 * @param sealedInstead block versions whose seal makes them durable: the fsync waits for those
 * @param toSeal       dirty blocks the band must start sealing (they are in {@code sealedInstead})
 */
record BandFsync(List<JournalRecord> records, Set<DirtyBlock> sealedInstead, List<Long> toSeal) {

    static BandFsync take(long ino, int blockSize, Map<Long, DirtyBlock> sealing, Map<Long, DirtyBlock> dirty,
                          WriteJournal journal) {
        BandFsync fsync = new BandFsync(new ArrayList<>(), Collections.newSetFromMap(new IdentityHashMap<>()),
                new ArrayList<>());
        // a block being sealed is journaled as it went to its seal instead of waiting for the seal (a
        // reseal of 256 KiB on the fsync's time); numbered before any record of the block's newer writes,
        // which a replay lays over it
        for (Map.Entry<Long, DirtyBlock> e : sealing.entrySet()) {
            long block = e.getKey();
            DirtyBlock version = e.getValue();
            long bytes = version.unjournaledBytes();
            if (bytes == 0) {
                continue;
            }
            // a whole block (a stream's) is as quick to wait for as to journal, and written once that way
            if (bytes >= blockSize || !journal.tryReserve(bytes)) {
                fsync.sealedInstead.add(version); // its seal, under way, makes it durable
                continue;
            }
            version.journalWhileSealing(() -> journal.nextSequence(new BlockKey(ino, block)), ino, block)
                    .ifPresentOrElse(fsync.records::add, () -> journal.unreserve(bytes));
        }
        for (Map.Entry<Long, DirtyBlock> e : dirty.entrySet()) {
            DirtyBlock block = e.getValue();
            long bytes = block.unjournaledBytes();
            if (bytes == 0) {
                continue;
            }
            if (journal.tryReserve(bytes)) {
                long sequence = journal.nextSequence(new BlockKey(ino, e.getKey()));
                fsync.records.add(new JournalRecord(sequence, ino, e.getKey(), block.takeJournalRanges()));
            } else {
                // more unjournaled data than the journal takes at once (a stream, or much written
                // without an fsync): sealed now, which writes it once, and the fsync waits for the seal
                block.sealRequested = true;
                fsync.sealedInstead.add(block);
                fsync.toSeal.add(e.getKey());
            }
        }
        return fsync;
    }
}
