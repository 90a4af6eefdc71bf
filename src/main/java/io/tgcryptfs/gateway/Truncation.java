package io.tgcryptfs.gateway;

import io.tgcryptfs.engine.EntityRegistry;
import io.tgcryptfs.engine.FsResult;
import io.tgcryptfs.engine.OpenInode;
import io.tgcryptfs.fs.Inode;
import org.apache.pekko.actor.typed.ActorRef;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A size set by truncate, ftruncate or fallocate: the file's dirty blocks are sealed first, then its
 * inode actor moves the size and drops the blocks past it, so that no block sealed later lies past the
 * new end.
 */
final class Truncation {
    private final FileData data;
    private final Asker asker;
    private final ActorRef<EntityRegistry.Command> inodes;
    private final Duration timeout;

    Truncation(FileData data, Asker asker, ActorRef<EntityRegistry.Command> inodes, Duration timeout) {
        this.data = data;
        this.asker = asker;
        this.inodes = inodes;
        this.timeout = timeout;
    }

    /** @param keepTimes leave mtime and ctime as they are (fallocate under the writeback cache) */
    Inode truncate(long ino, long size, boolean keepTimes) {
        Inode.checkSize(size);
        data.flushBands(ino);
        CompletableFuture<FsResult<Inode>> answer = asker.ask(inodes,
                r -> new EntityRegistry.Deliver<>(ino, new OpenInode.Truncate(size, keepTimes, r)), timeout);
        return asker.await(answer, timeout).orThrow();
    }
}
