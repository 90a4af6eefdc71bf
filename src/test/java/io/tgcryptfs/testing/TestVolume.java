package io.tgcryptfs.testing;

import io.tgcryptfs.chunk.BlockGeometry;
import io.tgcryptfs.engine.Band;
import io.tgcryptfs.engine.BandKey;
import io.tgcryptfs.engine.DirtyBudget;
import io.tgcryptfs.engine.DirtyRegions;
import io.tgcryptfs.engine.EngineContext;
import io.tgcryptfs.engine.SealPolicy;
import io.tgcryptfs.fs.Timestamp;
import io.tgcryptfs.engine.UnbackedFiles;
import io.tgcryptfs.journal.LocalSync;
import io.tgcryptfs.journal.Replay;
import io.tgcryptfs.journal.JournalFiles;
import io.tgcryptfs.journal.WriteJournal;
import io.tgcryptfs.engine.EntityRegistry;
import io.tgcryptfs.engine.Deletions;
import io.tgcryptfs.engine.Namespace;
import io.tgcryptfs.engine.OpenFiles;
import io.tgcryptfs.engine.OpenInode;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.gateway.Caller;
import io.tgcryptfs.gateway.FsGateway;
import io.tgcryptfs.metrics.Metrics;
import io.tgcryptfs.backend.Backoff;
import io.tgcryptfs.backend.Sleeper;
import io.tgcryptfs.pipeline.UploadPipeline;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small running volume in-process, wired like {@code Volume.open} but without FUSE: stores, an
 * {@link ActorTestKit} system with the blocking dispatcher from reference.conf, the namespace and the
 * inode and band registries, the upload pipeline (optional) and the gateway.
 */
public final class TestVolume implements AutoCloseable {
    public static final String BLOCKING_DISPATCHER = "tgcryptfs-blocking-dispatcher";

    public final TestStores stores;
    public final FixtureOptions options;
    public final ActorTestKit testKit;
    public final BlockGeometry geometry;
    public final DirtyBudget budget;
    public final EngineContext ctx;
    public final OpenFiles openFiles;
    public final Namespace namespace;
    public final ActorRef<EntityRegistry.Command> inodes;
    public final ActorRef<EntityRegistry.Command> bands;
    public final FsGateway gateway;
    /** null when the options turn uploads off. */
    public final UploadPipeline uploads;
    public final Sleeper sleeper;
    /** How many band actors were ever started: more than the keys used means some passivated and came back. */
    public final AtomicInteger bandIncarnations;
    /** How often the dirty budget ran full and asked the bands for room. */
    public final AtomicInteger pressureSignals;
    /** Write journal records the open replayed (left by a close without a sync: a crash). */
    public final int recordsReplayed;
    private final WriteJournal journal;
    private final ExecutorService uploadThreads;

    private TestVolume(TestStores stores, FixtureOptions options, ActorTestKit testKit, BlockGeometry geometry,
                       DirtyBudget budget, EngineContext ctx, OpenFiles openFiles, Namespace namespace,
                       ActorRef<EntityRegistry.Command> inodes, ActorRef<EntityRegistry.Command> bands, FsGateway gateway,
                       UploadPipeline uploads, Sleeper sleeper, AtomicInteger bandIncarnations, AtomicInteger pressureSignals,
                       int recordsReplayed, WriteJournal journal, ExecutorService uploadThreads) {
        this.stores = stores;
        this.options = options;
        this.testKit = testKit;
        this.geometry = geometry;
        this.budget = budget;
        this.ctx = ctx;
        this.openFiles = openFiles;
        this.namespace = namespace;
        this.inodes = inodes;
        this.bands = bands;
        this.gateway = gateway;
        this.uploads = uploads;
        this.sleeper = sleeper;
        this.bandIncarnations = bandIncarnations;
        this.pressureSignals = pressureSignals;
        this.recordsReplayed = recordsReplayed;
        this.journal = journal;
        this.uploadThreads = uploadThreads;
    }

    public static TestVolume open(Path dir) {
        return open(dir, FixtureOptions.defaults());
    }

    /**
     * Opens the volume in {@code dir} (a new one, or the one a previous open left there: a remount, or
     * after a close without a sync, a restart after a crash) in {@code VolumeStartup}'s order: the
     * outbox recovered, orphans purged, the actors and uploads started, then the write journal replayed.
     */
    public static TestVolume open(Path dir, FixtureOptions options) {
        TestStores stores = TestStores.open(dir, options);
        List<PackId> waiting;
        Path replayDir;
        WriteJournal journal;
        try {
            waiting = stores.outbox.recover();
            replayDir = JournalFiles.setAsideForReplay(dir);
            journal = new WriteJournal(JournalFiles.journalDir(dir), stores.meta, stores.keys.metadataCipher(),
                    TestStores.RANDOM, options.journalSegmentBytes, options.journalRecordBytes);
        } catch (IOException e) {
            stores.close();
            throw new UncheckedIOException(e);
        }
        ActorTestKit testKit = ActorTestKit.create();
        Executor blocking = testKit.system().dispatchers().lookup(DispatcherSelector.fromConfig(BLOCKING_DISPATCHER));
        BlockGeometry geometry = new BlockGeometry(options.blockSize, options.bandSize);
        DirtyBudget budget = new DirtyBudget(options.dirtyBudgetBytes, options.blockSize);
        DirtyRegions regions = new DirtyRegions();
        EngineContext ctx = new EngineContext(stores.meta, stores.chunks, geometry, budget, regions, blocking, options.clock,
                options.nanoTime, new SealPolicy(options.dirtyExpiry, options.dirtyMaxAge), options.passivateAfter, journal,
                new UnbackedFiles(regions));
        Deletions.purgeOrphans(ctx);
        Namespace.ensureRoot(ctx, 0, 0);

        Props onBlocking = DispatcherSelector.fromConfig(BLOCKING_DISPATCHER);
        OpenFiles openFiles = new OpenFiles();
        AtomicInteger bandIncarnations = new AtomicInteger();
        AtomicInteger pressureSignals = new AtomicInteger();
        ActorRef<EntityRegistry.Command> inodes = testKit.spawn(
                EntityRegistry.<Long, OpenInode.Command>create("inode", (ino, reg) -> OpenInode.create(ino, ctx, reg),
                        OpenInode.Stop.INSTANCE, onBlocking, ino -> ino, options.maxLiveActors), "inodes");
        ActorRef<EntityRegistry.Command> bands = testKit.spawn(
                EntityRegistry.<BandKey, Band.Command>create("band", (key, reg) -> {
                    bandIncarnations.incrementAndGet();
                    return Band.create(key, ctx, reg);
                }, Band.Stop.INSTANCE, Props.empty(), BandKey::ino, options.maxLiveActors), "bands");
        budget.onPressure(() -> {
            pressureSignals.incrementAndGet();
            bands.tell(new EntityRegistry.Broadcast<BandKey, Band.Command>(k -> true, Band.MakeRoom.INSTANCE));
        });
        Namespace namespace = new Namespace(ctx, openFiles, Band.discardOnDelete(bands, ctx.dirtyRegions()));

        Sleeper sleeper = options.sleeper != null ? options.sleeper : new RecordingSleeper();
        UploadPipeline uploads = null;
        ExecutorService uploadThreads = null;
        if (options.uploads) {
            uploadThreads = Executors.newFixedThreadPool(options.uploadConcurrency, r -> {
                Thread t = new Thread(r, "test-upload");
                t.setDaemon(true);
                return t;
            });
            uploads = new UploadPipeline(stores.meta, stores.backend, stores.outbox, stores.cache, uploadThreads, sleeper,
                    TestStores.RANDOM, new Backoff(Duration.ofMillis(10), Duration.ofMillis(100), 0.0),
                    options.uploadConcurrency, 16, Metrics.NONE);
            stores.outbox.setListener(uploads);
            uploads.start(testKit.system(), waiting);
        }
        int replayed;
        try {
            replayed = Replay.run(replayDir, stores.meta, stores.keys.metadataCipher(), stores.chunks, () -> {
                stores.outbox.force();
                stores.meta.sync();
            });
            JournalFiles.replayed(replayDir);
            UnbackedFiles.recover(stores.meta, Timestamp.of(options.clock.instant()));
        } catch (IOException e) {
            testKit.shutdownTestKit();
            stores.close();
            throw new UncheckedIOException(e);
        }
        FsGateway gateway = new FsGateway(testKit.system(), ctx, new LocalSync(stores.outbox, journal, stores.meta), namespace,
                inodes, bands, openFiles, options.askTimeout, options.askTimeout, options.statfsCapacity, blocking);
        return new TestVolume(stores, options, testKit, geometry, budget, ctx, openFiles, namespace, inodes, bands, gateway,
                uploads, sleeper, bandIncarnations, pressureSignals, replayed, journal, uploadThreads);
    }

    /** Creates {@code path} with {@code data} and closes it. */
    public void writeFile(String path, byte[] data) {
        long h = gateway.create(path, 0644, Caller.ROOT);
        try {
            gateway.write(h, 0, data);
        } finally {
            gateway.release(h);
        }
    }

    /** The whole content of {@code path}. */
    public byte[] readFile(String path) {
        long h = gateway.open(path);
        try {
            long size = gateway.getattr(h).size();
            return gateway.read(h, 0, (int) size);
        } finally {
            gateway.release(h);
        }
    }

    public long ino(String path) {
        return gateway.getattr(path).ino();
    }

    public int liveBands() {
        return Await.result(AskPattern.<EntityRegistry.Command, Integer>ask(bands, EntityRegistry.CountLive::new,
                Duration.ofSeconds(5), testKit.system().scheduler()));
    }

    public int liveInodes() {
        return Await.result(AskPattern.<EntityRegistry.Command, Integer>ask(inodes, EntityRegistry.CountLive::new,
                Duration.ofSeconds(5), testKit.system().scheduler()));
    }

    /** As {@code VolumeShutdown} without its sync: a test that wants a clean unmount calls syncAll first. */
    @Override
    public void close() {
        try {
            if (uploads != null) {
                uploads.close();
                uploadThreads.shutdownNow();
            }
            testKit.shutdownTestKit();
            journal.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            stores.close();
        }
    }

    /** Seals the open pack and waits until every sealed pack is on the backend. */
    public void drainUploads() throws InterruptedException {
        uploads.drain(status -> { }, Duration.ofSeconds(1));
    }
}
