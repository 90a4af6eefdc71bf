package io.tgcryptfs.engine;

import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.fs.Timestamp;
import io.tgcryptfs.meta.MetaWriter;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

import java.time.Duration;

/**
 * One inode's attribute and xattr changes, applied one at a time. Each change is a single LMDB
 * transaction (this actor runs on the blocking dispatcher), so attributes are never half-updated and a
 * reader always sees a committed state. Namespace changes that touch link counts are the Namespace's.
 */
public final class OpenInode extends AbstractBehavior<OpenInode.Command> {
    public static final int MAX_XATTR_VALUE = 65536;

    public interface Command {
    }

    /** A write reached {@code end}: grow the size if needed, move mtime and ctime. */
    public record Extend(long end, ActorRef<FsResult<Done>> replyTo) implements Command {
    }

    public record Chmod(int mode, ActorRef<FsResult<Inode>> replyTo) implements Command {
    }

    /** -1 leaves uid or gid as it is. */
    public record Chown(int uid, int gid, ActorRef<FsResult<Inode>> replyTo) implements Command {
    }

    public record SetTimes(TimeChange atime, TimeChange mtime, ActorRef<FsResult<Inode>> replyTo) implements Command {
    }

    /** Set the size; the caller has flushed the inode's bands first. */
    public record Truncate(long size, ActorRef<FsResult<Inode>> replyTo) implements Command {
    }

    public record SetXattr(String name, byte[] value, XattrMode mode, ActorRef<FsResult<Done>> replyTo) implements Command {
    }

    public record RemoveXattr(String name, ActorRef<FsResult<Done>> replyTo) implements Command {
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
                .onMessage(Extend.class, this::onExtend)
                .onMessage(Chmod.class, this::onChmod)
                .onMessage(Chown.class, this::onChown)
                .onMessage(SetTimes.class, this::onSetTimes)
                .onMessage(Truncate.class, this::onTruncate)
                .onMessage(SetXattr.class, this::onSetXattr)
                .onMessage(RemoveXattr.class, this::onRemoveXattr)
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
                .build();
    }

    private Behavior<Command> onExtend(Extend m) {
        touch();
        m.replyTo().tell(FsResult.of(() -> ctx.meta().write(w -> {
            Inode inode = existing(w);
            Timestamp now = ctx.now();
            w.putInode(inode.withSize(Math.max(inode.size(), m.end()), now));
            return Done.INSTANCE;
        })));
        return this;
    }

    private Behavior<Command> onChmod(Chmod m) {
        touch();
        m.replyTo().tell(FsResult.of(() -> update(w -> existing(w).withMode(m.mode(), ctx.now()))));
        return this;
    }

    private Behavior<Command> onChown(Chown m) {
        touch();
        m.replyTo().tell(FsResult.of(() -> update(w -> {
            Inode inode = existing(w);
            int uid = m.uid() == -1 ? inode.uid() : m.uid();
            int gid = m.gid() == -1 ? inode.gid() : m.gid();
            Inode changed = inode.withOwner(uid, gid, ctx.now());
            if (!inode.isDirectory() && (m.uid() != -1 || m.gid() != -1)) {
                // POSIX: changing the owner of a non-directory drops set-user-ID, and set-group-ID when
                // it means "group may execute" rather than mandatory locking
                int mode = changed.mode() & ~Inode.SET_UID;
                if ((mode & Inode.GROUP_EXEC) != 0) {
                    mode &= ~Inode.SET_GID;
                }
                changed = changed.withMode(mode, ctx.now());
            }
            return changed;
        })));
        return this;
    }

    private Behavior<Command> onSetTimes(SetTimes m) {
        touch();
        m.replyTo().tell(FsResult.of(() -> update(w -> {
            Inode inode = existing(w);
            Timestamp now = ctx.now();
            return inode.withTimes(resolve(m.atime(), inode.atime(), now), resolve(m.mtime(), inode.mtime(), now), now);
        })));
        return this;
    }

    private Behavior<Command> onTruncate(Truncate m) {
        touch();
        m.replyTo().tell(FsResult.of(() -> truncate(m.size())));
        return this;
    }

    private Inode truncate(long size) {
        if (size < 0) {
            throw new FsException(FsError.INVALID, "negative size");
        }
        long boundary = size / ctx.geometry().blockSize();
        boolean partial = size % ctx.geometry().blockSize() != 0;
        Inode result = update(w -> {
            Inode inode = existing(w);
            if (inode.isDirectory()) {
                throw new FsException(FsError.IS_DIRECTORY, "cannot truncate a directory");
            }
            ctx.chunks().dropBlocksFrom(w, ino, ctx.geometry().firstBlockAtOrAfter(size));
            return inode.withSize(size, ctx.now());
        });
        if (partial && ctx.meta().read(r -> r.block(ino, boundary)).isPresent()) {
            // the bytes past the new end inside the last block must read as zeros if the file grows again
            byte[] block = ctx.chunks().loadBlock(ino, boundary);
            int from = (int) (size % ctx.geometry().blockSize());
            java.util.Arrays.fill(block, from, block.length, (byte) 0);
            ctx.chunks().seal(ino, boundary, block);
        }
        return result;
    }

    private Behavior<Command> onSetXattr(SetXattr m) {
        touch();
        m.replyTo().tell(FsResult.of(() -> ctx.meta().write(w -> {
            Inode inode = existing(w);
            if (m.value().length > MAX_XATTR_VALUE) {
                throw new FsException(FsError.TOO_BIG, "xattr value larger than 64 KiB");
            }
            boolean exists = w.xattr(ino, m.name()).isPresent();
            if (exists && m.mode() == XattrMode.CREATE_ONLY) {
                throw new FsException(FsError.EXISTS, "xattr exists");
            }
            if (!exists && m.mode() == XattrMode.REPLACE_ONLY) {
                throw new FsException(FsError.NO_ATTRIBUTE, "no such xattr");
            }
            w.putXattr(ino, m.name(), m.value());
            w.putInode(inode.withChanged(ctx.now()));
            return Done.INSTANCE;
        })));
        return this;
    }

    private Behavior<Command> onRemoveXattr(RemoveXattr m) {
        touch();
        m.replyTo().tell(FsResult.of(() -> ctx.meta().write(w -> {
            Inode inode = existing(w);
            if (!w.deleteXattr(ino, m.name())) {
                throw new FsException(FsError.NO_ATTRIBUTE, "no such xattr");
            }
            w.putInode(inode.withChanged(ctx.now()));
            return Done.INSTANCE;
        })));
        return this;
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

    private Inode update(java.util.function.Function<MetaWriter, Inode> change) {
        return ctx.meta().write(w -> {
            Inode changed = change.apply(w);
            w.putInode(changed);
            return changed;
        });
    }

    private Inode existing(MetaWriter w) {
        return w.inode(ino).orElseThrow(() -> new FsException(FsError.NOT_FOUND, "inode " + ino + " is gone"));
    }

    private static Timestamp resolve(TimeChange change, Timestamp current, Timestamp now) {
        if (change instanceof TimeChange.At at) {
            return at.time();
        }
        return change == TimeChange.Now.INSTANCE ? now : current;
    }
}
