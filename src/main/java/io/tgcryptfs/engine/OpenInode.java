package io.tgcryptfs.engine;

import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.meta.MetaWriter;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

import java.time.Duration;

/**
 * One inode's truncates, applied one at a time: a truncate is more than one step (drop the blocks past
 * the end and set the size in one LMDB transaction, then reseal the block the new end cuts), and two of
 * them interleaving would reseal a block with the other's bytes. This actor runs on the blocking
 * dispatcher. Single-transaction attribute changes are {@link InodeAttributes}' (on the caller's
 * thread), name changes the {@link Namespace}'s.
 */
public final class OpenInode extends AbstractBehavior<OpenInode.Command> {
    public interface Command {
    }

    /**
     * Set the size, moving mtime and ctime unless {@code keepTimes} (the kernel keeps them itself under
     * the writeback cache, see {@code gateway.WriteTimes}); the caller has flushed the inode's bands first.
     */
    public record Truncate(long size, boolean keepTimes, ActorRef<FsResult<Inode>> replyTo) implements Command {
    }

    public enum Stop implements Command {
        INSTANCE
    }

    private enum Tick implements Command {
        INSTANCE
    }

    private final long ino;
    private final EngineContext ctx;
    private final ActorRef<EntityRegistry.Command> registry;
    private long lastActivityNanos;
    private boolean passivationRequested;

    public static Behavior<Command> create(long ino, EngineContext ctx, ActorRef<EntityRegistry.Command> registry) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            Duration tick = ctx.passivateAfter().dividedBy(2);
            timers.startTimerWithFixedDelay(Tick.INSTANCE, tick.isZero() ? Duration.ofMillis(100) : tick);
            return new OpenInode(context, ino, ctx, registry);
        }));
    }

    private OpenInode(ActorContext<Command> context, long ino, EngineContext ctx, ActorRef<EntityRegistry.Command> registry) {
        super(context);
        this.ino = ino;
        this.ctx = ctx;
        this.registry = registry;
        this.lastActivityNanos = ctx.nanoTime().getAsLong();
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Truncate.class, this::onTruncate)
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
                .build();
    }

    private Behavior<Command> onTruncate(Truncate m) {
        touch();
        m.replyTo().tell(FsResult.of(() -> truncate(m.size(), m.keepTimes())));
        return this;
    }

    private Inode truncate(long size, boolean keepTimes) {
        if (size < 0) {
            throw new FsException(FsError.INVALID, "negative size");
        }
        long boundary = size / ctx.geometry().blockSize();
        boolean partial = size % ctx.geometry().blockSize() != 0;
        long firstGone = ctx.geometry().firstBlockAtOrAfter(size);
        long[] sizeBefore = {-1};
        Inode result = null;
        while (result == null) {
            // the blocks past the end go from the last, a batch per transaction, and the size steps down with
            // them: a crash in between leaves the file cut at a block between its old and new size, never
            // with holes inside it
            result = ctx.meta().write(w -> {
                Inode inode = existing(w);
                if (inode.isDirectory()) {
                    throw new FsException(FsError.IS_DIRECTORY, "cannot truncate a directory");
                }
                if (sizeBefore[0] < 0) {
                    sizeBefore[0] = inode.size();
                }
                long lowestDropped = ctx.chunks().dropTail(w, ino, firstGone);
                if (lowestDropped >= 0) {
                    w.putInode(inode.withSizeOnly(Math.max(size, Math.min(inode.size(), ctx.geometry().blockStart(lowestDropped)))));
                    return null;
                }
                // a size that does not change moves no times (POSIX, ext4); under the writeback cache the kernel
                // would not show them moved, and a remount would (SyscallOracleIT found it)
                Inode changed = keepTimes || size == sizeBefore[0] ? inode.withSizeOnly(size) : inode.withSize(size, ctx.now());
                w.putInode(changed);
                ctx.unbacked().markIfUnbacked(w, ino);
                return changed;
            });
        }
        if (partial && ctx.meta().read(r -> r.block(ino, boundary)).isPresent()) {
            // the bytes past the new end inside the last block must read as zeros if the file grows again
            byte[] block = ctx.chunks().loadBlock(ino, boundary);
            int from = (int) (size % ctx.geometry().blockSize());
            java.util.Arrays.fill(block, from, block.length, (byte) 0);
            ctx.chunks().seal(ino, boundary, block);
        }
        return result;
    }

    private Behavior<Command> onTick() {
        if (!passivationRequested && ctx.nanoTime().getAsLong() - lastActivityNanos >= ctx.passivateAfter().toNanos()) {
            passivationRequested = true;
            registry.tell(new EntityRegistry.Passivate<>(ino, getContext().getSelf()));
        }
        return this;
    }

    private void touch() {
        lastActivityNanos = ctx.nanoTime().getAsLong();
        passivationRequested = false;
    }

    private Inode existing(MetaWriter w) {
        return InodeAttributes.existing(w, ino);
    }
}
