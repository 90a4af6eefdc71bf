package io.tgcryptfs.gateway;

import io.tgcryptfs.backend.Backoff;
import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.backend.Retry;
import io.tgcryptfs.chunk.BlockGeometry;
import io.tgcryptfs.chunk.ChunkStore;
import io.tgcryptfs.chunk.Compressor;
import io.tgcryptfs.chunk.Outbox;
import io.tgcryptfs.chunk.PackCache;
import io.tgcryptfs.chunk.PlaintextCache;
import io.tgcryptfs.crypto.KdfParams;
import io.tgcryptfs.crypto.VolumeHeader;
import io.tgcryptfs.crypto.VolumeKeys;
import io.tgcryptfs.engine.Band;
import io.tgcryptfs.engine.BandKey;
import io.tgcryptfs.engine.DirtyBudget;
import io.tgcryptfs.engine.DirtyRegions;
import io.tgcryptfs.engine.EngineContext;
import io.tgcryptfs.engine.EntityRegistry;
import io.tgcryptfs.engine.Namespace;
import io.tgcryptfs.engine.OpenFiles;
import io.tgcryptfs.engine.OpenInode;
import io.tgcryptfs.engine.SealPolicy;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.journal.JournalFiles;
import io.tgcryptfs.journal.LocalSync;
import io.tgcryptfs.journal.Replay;
import io.tgcryptfs.journal.WriteJournal;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.lmdb.LmdbMetaStore;
import io.tgcryptfs.metrics.Metrics;
import io.tgcryptfs.pipeline.UploadPipeline;
import io.tgcryptfs.testing.FixtureOptions;
import io.tgcryptfs.testing.RecordingSleeper;
import io.tgcryptfs.testing.TestStores;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A volume that can be closed and opened again on the same directory, wired in the order of
 * {@code volume.VolumeStartup} (outbox recovery, orphans purged, uploads started, then the journal
 * replayed). {@code testing.TestVolume} cannot do that: its {@code TestStores.open} makes new keys on
 * every open, so a second open cannot read a single chunk of the first (every read fails authentication).
 * Here the volume header is made once and unlocked on each open, as a mount does, and the backend
 * outlives the opens. {@code nanoTime} is injected too, so a test decides when blocks go cold.
 */
final class ModelVolume implements AutoCloseable {
    private static final char[] PASSWORD = "model".toCharArray();
    private static final String BLOCKING = "tgcryptfs-blocking-dispatcher";

    final FsGateway gateway;
    private final VolumeKeys keys;
    private final MetaStore meta;
    private final Outbox outbox;
    private final PackCache cache;
    private final WriteJournal journal;
    private final ActorTestKit testKit;
    private final UploadPipeline uploads;
    private final ExecutorService uploadThreads;

    /** What the engine did over one or more opens, so a test can tell its run made it work. */
    static final class Stats implements Metrics {
        final AtomicLong seals = new AtomicLong();
        final AtomicLong dedups = new AtomicLong();
        final AtomicLong downloads = new AtomicLong();
        final AtomicLong pressureSignals = new AtomicLong();
        final AtomicLong bandsStarted = new AtomicLong();
        final AtomicLong recordsReplayed = new AtomicLong();

        @Override
        public void chunkSealed(long plainBytes, long storedBytes, boolean deduplicated) {
            (deduplicated ? dedups : seals).incrementAndGet();
        }

        @Override
        public void downloaded(long bytes) {
            downloads.incrementAndGet();
        }

        @Override
        public String toString() {
            return seals + " blocks sealed, " + dedups + " deduplicated, " + downloads + " packs downloaded, "
                    + pressureSignals + " budget pressure signals, " + bandsStarted + " band actors started, "
                    + recordsReplayed + " journal records replayed";
        }
    }

    /** A new volume's header (cheap Argon2), to open it with. */
    static VolumeHeader newHeader(int blockSize) {
        byte[] salt = new byte[KdfParams.SALT_LENGTH];
        TestStores.RANDOM.nextBytes(salt);
        var created = VolumeKeys.create(PASSWORD, blockSize, new KdfParams(8192, 1, 1, salt), TestStores.RANDOM);
        created.keys().close();
        return created.header();
    }

    static ModelVolume open(Path dir, VolumeHeader header, BlobStore backend, FixtureOptions o, long journalSegmentBytes,
                            LongSupplier nanoTime, Stats stats) {
        try {
            return new ModelVolume(dir, header, backend, o, journalSegmentBytes, nanoTime, stats);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (io.tgcryptfs.crypto.WrongPasswordException e) {
            throw new IllegalStateException(e);
        }
    }

    private ModelVolume(Path dir, VolumeHeader header, BlobStore backend, FixtureOptions o, long journalSegmentBytes,
                        LongSupplier nanoTime, Stats stats)
            throws IOException, io.tgcryptfs.crypto.WrongPasswordException {
        keys = VolumeKeys.unlock(header, PASSWORD, TestStores.RANDOM);
        meta = LmdbMetaStore.open(dir.resolve("meta"), 64L << 20);
        outbox = new Outbox(dir.resolve("outbox"), meta, keys.metadataCipher(), TestStores.RANDOM, o.packTargetSize, o.outboxMaxBytes);
        meta.setSyncOrder(outbox::forceThen);
        cache = new PackCache(dir.resolve("outbox"), dir.resolve("cache"), meta, backend, o.cacheMaxBytes, 2, stats,
                new Retry(new Backoff(Duration.ZERO, Duration.ZERO, 0), d -> { }, TestStores.RANDOM, 3, (cause, e) -> { }));
        ChunkStore chunks = new ChunkStore(o.blockSize, meta, keys.chunkIds(), keys.chunkCipher(), new Compressor(o.compress),
                outbox, cache, new PlaintextCache(o.plaintextCacheBytes), stats);
        List<PackId> waiting = outbox.recover();
        Path replayDir = JournalFiles.setAsideForReplay(dir);
        journal = new WriteJournal(JournalFiles.journalDir(dir), meta, keys.metadataCipher(), TestStores.RANDOM,
                journalSegmentBytes, o.journalRecordBytes);

        testKit = ActorTestKit.create(); // brings reference.conf's blocking dispatcher
        Executor blocking = testKit.system().dispatchers().lookup(DispatcherSelector.fromConfig(BLOCKING));
        DirtyBudget budget = new DirtyBudget(o.dirtyBudgetBytes, o.blockSize);
        EngineContext ctx = new EngineContext(meta, chunks, new BlockGeometry(o.blockSize, o.bandSize), budget,
                new DirtyRegions(), blocking, o.clock, nanoTime, new SealPolicy(o.dirtyExpiry, o.dirtyMaxAge),
                o.passivateAfter, journal);
        Namespace.purgeOrphans(ctx);
        Namespace.ensureRoot(ctx, 0, 0);
        Props onBlocking = DispatcherSelector.fromConfig(BLOCKING);
        OpenFiles openFiles = new OpenFiles();
        ActorRef<EntityRegistry.Command> inodes = testKit.spawn(EntityRegistry.<Long, OpenInode.Command>create("inode",
                (ino, reg) -> OpenInode.create(ino, ctx, reg), OpenInode.Stop.INSTANCE, onBlocking, ino -> ino,
                o.maxLiveActors), "inodes");
        ActorRef<EntityRegistry.Command> bands = testKit.spawn(EntityRegistry.<BandKey, Band.Command>create("band",
                (key, reg) -> {
                    stats.bandsStarted.incrementAndGet();
                    return Band.create(key, ctx, reg);
                }, Band.Stop.INSTANCE, Props.empty(), BandKey::ino,
                o.maxLiveActors), "bands");
        budget.onPressure(() -> {
            stats.pressureSignals.incrementAndGet();
            bands.tell(new EntityRegistry.Broadcast<BandKey, Band.Command>(k -> true, Band.MakeRoom.INSTANCE));
        });
        Namespace namespace = new Namespace(ctx, openFiles, Band.discardOnDelete(bands, ctx.dirtyRegions()));

        uploadThreads = Executors.newFixedThreadPool(o.uploadConcurrency, r -> {
            Thread t = new Thread(r, "model-upload");
            t.setDaemon(true);
            return t;
        });
        uploads = new UploadPipeline(meta, backend, outbox, cache, uploadThreads, new RecordingSleeper(), TestStores.RANDOM,
                new Backoff(Duration.ofMillis(10), Duration.ofMillis(100), 0.0), o.uploadConcurrency, 16, Metrics.NONE);
        outbox.setListener(uploads);
        uploads.start(testKit.system(), waiting);
        stats.recordsReplayed.addAndGet(Replay.run(replayDir, meta, keys.metadataCipher(), chunks, () -> {
            outbox.force();
            meta.sync();
        }));
        JournalFiles.replayed(replayDir);
        gateway = new FsGateway(testKit.system(), ctx, new LocalSync(outbox, journal, meta), namespace, inodes, bands,
                openFiles, o.askTimeout, o.askTimeout, o.statfsCapacity, blocking);
    }

    /** Seals the open pack and waits until every sealed pack is on the backend (and only cached here). */
    void drainUploads() throws InterruptedException {
        uploads.drain(status -> { }, Duration.ofSeconds(1));
    }

    /** As {@code VolumeShutdown}: no sync first (a test that wants a clean unmount calls syncAll itself). */
    @Override
    public void close() {
        try {
            uploads.close();
            uploadThreads.shutdownNow();
            testKit.shutdownTestKit();
            journal.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            outbox.close();
            cache.close();
            meta.close();
            keys.close();
        }
    }
}
