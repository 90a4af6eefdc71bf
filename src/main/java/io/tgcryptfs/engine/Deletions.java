package io.tgcryptfs.engine;

import io.tgcryptfs.chunk.ChunkStore;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.meta.MetaReader;
import io.tgcryptfs.meta.MetaWriter;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.LongConsumer;

/**
 * Deleting inodes: in the transaction that takes their last name or closes their last handle, or, for a
 * file of more blocks than one transaction removes ({@link ChunkStore#DROP_BATCH}), as an orphan of size
 * 0 drained a batch per transaction once that one commits. The bands of a deleted file are told only then,
 * so a band never drops the bytes of a file whose deletion could still be rolled back.
 */
public final class Deletions {
    /** The files one transaction deleted, and those it left orphans because their blocks take more transactions. */
    static final class Batch {
        private final List<Long> gone = new ArrayList<>(1);
        private final List<Long> draining = new ArrayList<>(0);

        private void clear() {
            gone.clear();
            draining.clear();
        }
    }

    private final EngineContext ctx;
    private final LongConsumer fileDeleted;

    /** @param fileDeleted told of each file (not directory) deleted, once its deletion committed */
    Deletions(EngineContext ctx, LongConsumer fileDeleted) {
        this.ctx = ctx;
        this.fileDeleted = fileDeleted;
    }

    /** Runs {@code change} in one write transaction, then tells of the files it deleted and drains the big ones. */
    <T> T deleting(BiFunction<MetaWriter, Batch, T> change) {
        Batch batch = new Batch();
        T result = ctx.meta().write(w -> {
            batch.clear();
            return change.apply(w, batch);
        });
        batch.gone.forEach(fileDeleted::accept);
        for (long ino : batch.draining) {
            fileDeleted.accept(ino); // its size is 0 now: a seal still under way commits nothing
            drain(ctx, ino);
        }
        return result;
    }

    /** Deletes file {@code inode} within the transaction of {@code batch}. */
    void purge(MetaWriter w, Inode inode, Batch batch) {
        (purgeInode(ctx, w, inode) ? batch.gone : batch.draining).add(inode.ino());
    }

    /**
     * Deletes {@code inode} and its blocks, or, when it has more blocks than one transaction removes,
     * removes a batch and leaves it an orphan of size 0 for the next transaction (and, after a crash, the
     * next start) to go on with.
     *
     * @return whether the inode is gone
     */
    static boolean purgeInode(EngineContext ctx, MetaWriter w, Inode inode) {
        if (ctx.chunks().dropTail(w, inode.ino(), 0) >= 0) {
            w.putInode(inode.withNlink(0, inode.ctime()).withSizeOnly(0));
            w.addOrphan(inode.ino());
            return false;
        }
        w.deleteInode(inode.ino());
        w.removeOrphan(inode.ino());
        w.addToCounter(Namespace.INODES, -1);
        return true;
    }

    /**
     * Deletes every inode left unlinked-but-open when the volume last stopped (nothing is open now), and
     * every deleted file whose blocks were still being dropped: each in transactions of its own.
     */
    public static int purgeOrphans(EngineContext ctx) {
        List<Long> orphans = ctx.meta().read(MetaReader::orphans);
        orphans.forEach(ino -> drain(ctx, ino));
        return orphans.size();
    }

    /** Deletes orphan {@code ino}, a batch of its blocks per transaction. */
    private static void drain(EngineContext ctx, long ino) {
        boolean gone = false;
        while (!gone) {
            gone = ctx.meta().write(w -> w.inode(ino).map(i -> purgeInode(ctx, w, i)).orElseGet(() -> {
                w.removeOrphan(ino);
                return true;
            }));
        }
    }
}
