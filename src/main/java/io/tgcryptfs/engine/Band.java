package io.tgcryptfs.engine;

import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.journal.JournalRecord;
import io.tgcryptfs.journal.WriteJournal;
import io.tgcryptfs.journal.WriteJournal.BlockKey;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * One band of one file: owns that region's dirty blocks and applies writes in arrival order. A block
 * is sealed (chunked, encrypted, appended to the outbox, committed to LMDB) when fully written, on
 * flush, when cold or old ({@link SealPolicy}), or when the global budget is under pressure; it is
 * dropped unsealed when its file is deleted. Sealing and reads run on the blocking executor; their
 * results come back as messages, so the actor never blocks.
 */
public final class Band extends AbstractBehavior<Band.Command> {
    public interface Command {
    }

    /**
     * Write {@code data} at file offset {@code offset}; the range lies within this band. {@code applied}
     * runs on the actor once the bytes are in the band (readable, journaled by the next fsync): writers
     * hand writes over without waiting for the actor (see {@code gateway.WriteBehind}). {@code data} is
     * handed over with the message: the band may keep the array itself as a block's bytes.
     */
    public record Write(long offset, byte[] data, Consumer<FsResult<Done>> applied) implements Command {
    }

    /** Read [offset, offset + length) of the file; the range lies within this band. */
    public record Read(long offset, int length, ActorRef<FsResult<byte[]>> replyTo) implements Command {
    }

    /** Seal every dirty block; reply once they are all committed to LMDB. */
    public record Flush(Consumer<FsResult<Done>> reply) implements Command {
    }

    /**
     * fsync: a numbered journal record for every block written since its last record, those being sealed
     * included (unless their seal has committed: the LMDB sync that follows covers them). The caller
     * appends all its bands' records at once and forces the journal. Past the journal's room for records
     * ({@link WriteJournal#tryReserve}) blocks are sealed instead and the reply waits
     * for those seals.
     */
    public record Journal(Consumer<Journaled> reply) implements Command {
    }

    /**
     * The answer to {@link Journal}: records to append whatever happened (their ranges are no longer due
     * anywhere else), and the failure of a seal the fsync waited for, if one failed.
     */
    public record Journaled(List<JournalRecord> records, FsResult.Failed<Done> failure) {
    }

    /**
     * The file was closed after a write: seal now what the write journal does not hold. Blocks whose every
     * write an fsync journaled wait to be cold like any other: a file written, fsync'd, closed and renamed
     * over a moment later (Time Machine's tokens, an editor's save) is then never sealed at all.
     */
    public enum Closed implements Command {
        INSTANCE
    }

    /**
     * The file was deleted (committed): its unsealed bytes can never be read again, so they are dropped,
     * not sealed, and their budget is free at once.
     */
    public enum Discard implements Command {
        INSTANCE
    }

    /** Budget pressure: seal the full blocks, or all if none is full and none is being sealed. */
    public enum MakeRoom implements Command {
        INSTANCE
    }

    /** Passivation handshake from the registry. */
    public enum Stop implements Command {
        INSTANCE
    }

    private enum Tick implements Command {
        INSTANCE
    }

    private enum BudgetFreed implements Command {
        INSTANCE
    }

    private record Sealed(long block, DirtyBlock version, Throwable failure) implements Command {
    }

    private final BandKey key;
    /** For callbacks on other threads, which must not touch the actor context. */
    private final ActorRef<Command> self;
    private final EngineContext ctx;
    private final ActorRef<EntityRegistry.Command> registry;
    private final BandBlocks blocks;
    /**
     * Commands that arrived while a write waited for budget room, in arrival order. Reads, flushes and
     * journal requests wait behind the write too: its writer was told the write is done, so what comes
     * after it must see it.
     */
    private final ArrayDeque<Command> stashed = new ArrayDeque<>();
    private final FlushWaiters flushWaiters = new FlushWaiters();
    private long lastActivityNanos;
    private boolean passivationRequested;
    private final WriteRun run;

    /** What a deleted file's bands are told: drop what they hold unsealed. No message when none does. */
    public static LongConsumer discardOnDelete(ActorRef<EntityRegistry.Command> bands, DirtyRegions regions) {
        return ino -> {
            if (regions.mayHoldUnsealed(ino)) {
                bands.tell(new EntityRegistry.GroupBroadcast<Command>(ino, Discard.INSTANCE));
            }
        };
    }

    public static Behavior<Command> create(BandKey key, EngineContext ctx, ActorRef<EntityRegistry.Command> registry) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> new Band(context, timers, key, ctx, registry)));
    }

    private Band(ActorContext<Command> context, TimerScheduler<Command> timers, BandKey key, EngineContext ctx,
                 ActorRef<EntityRegistry.Command> registry) {
        super(context);
        this.key = key;
        this.ctx = ctx;
        this.registry = registry;
        this.self = context.getSelf();
        this.blocks = new BandBlocks(ctx.geometry().blockSize());
        this.run = new WriteRun(ctx.geometry().bandStart(key.band()), ctx.geometry().bandStart(key.band() + 1));
        this.lastActivityNanos = ctx.nanoTime().getAsLong();
        timers.startTimerWithFixedDelay(Tick.INSTANCE, ctx.sealPolicy().checkInterval());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Write.class, w -> stashOr(w, this::onWrite))
                .onMessage(Read.class, r -> stashOr(r, this::onRead))
                .onMessage(Flush.class, f -> stashOr(f, this::onFlush))
                .onMessage(Journal.class, j -> stashOr(j, this::onJournal))
                .onMessage(Sealed.class, this::onSealed)
                .onMessageEquals(Closed.INSTANCE, this::onClosed)
                .onMessageEquals(Discard.INSTANCE, this::onDiscard)
                .onMessageEquals(MakeRoom.INSTANCE, () -> {
                    sealForRoom();
                    return this;
                })
                .onMessageEquals(BudgetFreed.INSTANCE, this::onBudgetFreed)
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .onMessageEquals(Stop.INSTANCE, this::onStop)
                .build();
    }

    private <C extends Command> Behavior<Command> stashOr(C command, java.util.function.Function<C, Behavior<Command>> handler) {
        touch();
        if (!stashed.isEmpty()) {
            stashed.add(command);
            return this;
        }
        return handler.apply(command);
    }

    private Behavior<Command> onWrite(Write w) {
        if (!tryApply(w)) {
            stashed.add(w);
            sealForRoom();
        }
        return this;
    }

    /**
     * The budget refused a write, here or in another band: the full blocks are sealed, and the partial
     * ones only when the band has no full block and no seal under way (whose end gives room back anyway),
     * so every band holding budget gives some back. When a stream's requests arrive out of order (several
     * writers, or the kernel's writeback cache when it was tried: 1 MiB at page offsets, several at once),
     * the block at each request's edge is partial until the neighbouring request lands a moment later;
     * sealing it then means sealing it again, with the stored version read back, once the rest comes.
     * Sealing everything at every refusal resealed a third of a 1 GiB copy and cost it half its speed.
     */
    private void sealForRoom() {
        if (!sealFull() && blocks.noneSealing()) {
            sealAll();
        }
    }

    /** Applies the write if the budget has room for the blocks it makes dirty. */
    private boolean tryApply(Write w) {
        BandBlocks.Applied applied = blocks.write(w.offset(), w.data(), ctx.nanoTime().getAsLong(), ctx.budget(),
                this::budgetFreed);
        if (applied == BandBlocks.Applied.NO_ROOM) {
            return false;
        }
        if (applied == BandBlocks.Applied.NO_SPACE) {
            w.applied().accept(FsResult.failed(FsError.NO_SPACE, "no space left for sealing data on the local disk"));
            return true;
        }
        if (run.streaming(w.offset(), w.data().length)) {
            sealFull(run.start(), run.end());
        }
        publishUnsealed();
        w.applied().accept(FsResult.ok(Done.INSTANCE));
        return true;
    }

    /**
     * Seals every full block: the budget needs room.
     *
     * @return whether any block was full
     */
    private boolean sealFull() {
        return sealFull(Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /**
     * Seals the full blocks inside file offsets [{@code from}, {@code to}): a stream's. Blocks filled
     * elsewhere in the band wait: random writes that happen to touch make a stream too now and then, and
     * sealing the band's every full block then resealed blocks that random writes change again (the band
     * workload, with sixteen runs remembered, uploaded 1.05 bytes per byte changed; 1.02 sealing only
     * the stream's).
     */
    private boolean sealFull(long from, long to) {
        List<Long> full = blocks.full(from, to);
        full.forEach(this::seal);
        return !full.isEmpty();
    }

    /** pipeToSelf hands over the future's CompletionException; the handlers want what failed. */
    private static Throwable unwrap(Throwable failure) {
        return failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
    }

    private void budgetFreed() {
        self.tell(BudgetFreed.INSTANCE);
    }

    private Behavior<Command> onBudgetFreed() {
        while (!stashed.isEmpty()) {
            Command next = stashed.peek();
            if (next instanceof Write w) {
                if (!tryApply(w)) {
                    return this;
                }
            } else if (next instanceof Read r) {
                onRead(r);
            } else if (next instanceof Flush f) {
                onFlush(f);
            } else if (next instanceof Journal j) {
                onJournal(j);
            } else if (next == Closed.INSTANCE) {
                sealUnjournaled();
            }
            stashed.poll();
        }
        return this;
    }

    private Behavior<Command> onRead(Read r) {
        BandRead read = blocks.read(key.ino(), r.offset(), r.length());
        CompletableFuture.supplyAsync(() -> read.assemble(ctx.chunks()), ctx.blocking())
                .whenComplete((bytes, failure) -> r.replyTo().tell(
                        failure == null ? FsResult.ok(bytes) : FsResult.from(failure)));
        return this;
    }

    private Behavior<Command> onFlush(Flush f) {
        Set<DirtyBlock> pending = blocks.uncommitted();
        blocks.requestSealOfAll();
        flushWaiters.await(pending, f.reply());
        sealAll();
        return this;
    }

    private Behavior<Command> onJournal(Journal j) {
        BandFsync fsync = blocks.journal(key.ino(), ctx.journal());
        fsync.toSeal().forEach(this::seal); // after the walk: a seal moves its block out of the dirty map
        publishUnsealed(); // the journaled ranges are backed once this fsync forces them
        awaitSeals(result -> j.reply().accept(new Journaled(fsync.records(),
                result instanceof FsResult.Failed<Done> f ? f : null)), fsync.sealedInstead());
        return this;
    }

    /** Replies once every one of {@code versions} still being sealed or dirty has committed. */
    private void awaitSeals(Consumer<FsResult<Done>> reply, Set<DirtyBlock> versions) {
        if (!versions.isEmpty()) {
            versions.retainAll(blocks.uncommitted());
        }
        flushWaiters.await(versions, reply);
    }

    private BlockKey blockKey(long block) {
        return new BlockKey(key.ino(), block);
    }

    private Behavior<Command> onClosed() {
        sealUnjournaled();
        if (!stashed.isEmpty()) {
            // the writes waiting for room are done as far as their writers know: they get sealed too
            // once they are in
            stashed.add(Closed.INSTANCE);
        }
        return this;
    }

    private void sealUnjournaled() {
        blocks.unjournaled().forEach(this::seal);
    }

    private void sealAll() {
        blocks.allDirty().forEach(this::seal);
    }

    private void seal(long b) {
        DirtyBlock block = blocks.startSeal(b);
        if (block == null) {
            return;
        }
        long ino = key.ino();
        BlockKey journalKey = blockKey(b);
        long supersedes = ctx.journal().sealStarting(journalKey); // on the actor: after every record of this version
        long bytes = block.memoryBytes();
        ctx.budget().sealStarted(bytes);
        // a value, not runAsync's null: a result arriving after the actor stopped is a dead letter, and
        // Pekko's dead-letter logger fails with a NullPointerException on a null one
        getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> {
            try {
                sealBlock(ino, b, block);
                // the seal holds what a record an fsync took of this version meanwhile holds
                ctx.journal().sealed(journalKey, Math.max(supersedes, block.sealCommitted()));
                return Done.INSTANCE;
            } finally {
                ctx.budget().sealEnded(bytes);
            }
        }, ctx.blocking()), (ok, failure) -> new Sealed(b, block, unwrap(failure)));
    }

    /** Runs on the blocking executor. The overlay lands on whatever is stored now. */
    private void sealBlock(long ino, long b, DirtyBlock block) {
        byte[] whole = block.wholeIfFull();
        if (whole == null) {
            whole = ctx.chunks().loadBlock(ino, b);
            block.applyTo(whole);
        }
        ctx.chunks().seal(ino, b, whole);
    }

    private Behavior<Command> onSealed(Sealed s) {
        if (s.failure() != null) {
            getContext().getLog().error("sealing block {} of inode {} failed: {}", s.block(), key.ino(), s.failure().toString());
            ctx.budget().release(blocks.sealFailed(s.block(), s.version()));
            publishUnsealed();
            FsResult<Done> failed = FsResult.from(s.failure());
            if (failed instanceof FsResult.Failed<Done> f && f.error() == FsError.NO_SPACE) {
                ctx.budget().storageFull(true);
            }
            flushWaiters.failAll(failed);
            return this;
        }
        ctx.budget().release(s.version().memoryBytes());
        ctx.budget().storageFull(false);
        if (blocks.sealCommitted(s.block())) { // a stream filled the next version, or a flush asked, meanwhile
            seal(s.block());
        }
        publishUnsealed();
        flushWaiters.settled(s.version());
        return this;
    }

    private Behavior<Command> onDiscard() {
        blocks.discardDirty((b, block) -> {
            ctx.budget().release(block.memoryBytes());
            ctx.journal().discarded(blockKey(b));
            flushWaiters.settled(block);
        });
        publishUnsealed();
        return this;
    }

    private Behavior<Command> onTick() {
        long now = ctx.nanoTime().getAsLong();
        blocks.due(now, ctx.sealPolicy()).forEach(this::seal);
        if (idle() && !passivationRequested && now - lastActivityNanos >= ctx.passivateAfter().toNanos()) {
            passivationRequested = true;
            registry.tell(new EntityRegistry.Passivate<>(key, getContext().getSelf()));
        }
        return this;
    }

    private Behavior<Command> onStop() {
        if (idle()) {
            return Behaviors.stopped();
        }
        // over the live-actor cap (or written to again since asking to stop): what it holds is sealed now,
        // so the next ask finds it idle. A closed file keeps its fsync'd blocks until they are cold, and a
        // burst of files written, fsync'd and closed would otherwise keep a live band each for that long.
        sealAll();
        passivationRequested = false;
        registry.tell(new EntityRegistry.StayAlive<>(key));
        return this;
    }

    private void publishUnsealed() {
        ctx.dirtyRegions().publish(key, blocks.unsealed(), blocks.unbacked());
    }

    private boolean idle() {
        return blocks.unsealed() == 0 && stashed.isEmpty() && flushWaiters.isEmpty();
    }

    private void touch() {
        lastActivityNanos = ctx.nanoTime().getAsLong();
        passivationRequested = false;
    }
}
