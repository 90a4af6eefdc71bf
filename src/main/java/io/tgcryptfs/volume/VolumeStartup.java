package io.tgcryptfs.volume;

import io.tgcryptfs.backend.Backoff;
import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.backend.Retry;
import io.tgcryptfs.backend.Sleeper;
import io.tgcryptfs.backup.MetadataRestore;
import io.tgcryptfs.backup.PointCapture;
import io.tgcryptfs.backup.PointPublisher;
import io.tgcryptfs.backup.RestorePoints;
import io.tgcryptfs.backup.Retention;
import io.tgcryptfs.chunk.BlockGeometry;
import io.tgcryptfs.chunk.ChunkStore;
import io.tgcryptfs.chunk.Compressor;
import io.tgcryptfs.chunk.Outbox;
import io.tgcryptfs.chunk.PackCache;
import io.tgcryptfs.chunk.PackCompactor;
import io.tgcryptfs.chunk.PlaintextCache;
import io.tgcryptfs.chunk.SealRoundTrip;
import io.tgcryptfs.config.Settings;
import io.tgcryptfs.crypto.IntegrityException;
import io.tgcryptfs.crypto.JitWarmup;
import io.tgcryptfs.crypto.VolumeHeader;
import io.tgcryptfs.crypto.VolumeKeys;
import io.tgcryptfs.crypto.WrongPasswordException;
import io.tgcryptfs.engine.Band;
import io.tgcryptfs.engine.BandKey;
import io.tgcryptfs.engine.Deletions;
import io.tgcryptfs.engine.DirtyBudget;
import io.tgcryptfs.engine.DirtyRegions;
import io.tgcryptfs.engine.UnbackedFiles;
import io.tgcryptfs.engine.EngineContext;
import io.tgcryptfs.engine.EntityRegistry;
import io.tgcryptfs.engine.Namespace;
import io.tgcryptfs.engine.OpenFiles;
import io.tgcryptfs.engine.OpenInode;
import io.tgcryptfs.engine.SealPolicy;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.gateway.FsGateway;
import io.tgcryptfs.journal.JournalFiles;
import io.tgcryptfs.journal.LocalSync;
import io.tgcryptfs.journal.Replay;
import io.tgcryptfs.journal.WriteJournal;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.lmdb.LmdbMetaStore;
import io.tgcryptfs.metrics.Metrics;
import io.tgcryptfs.metrics.RetryCauses;
import io.tgcryptfs.pipeline.UploadPipeline;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Brings a volume up in the order it depends on: the state directory locked, the keys unlocked, LMDB,
 * outbox and caches opened, the actors and the uploads started, the write journal replayed, and only
 * then the gateway that serves; a writer's volume then starts publishing restore points and background
 * gc. A failure part way closes the actor system, journal, LMDB, keys and lock again and says why in one
 * line.
 */
final class VolumeStartup {
    private static final Logger log = LoggerFactory.getLogger(VolumeStartup.class);
    private static final String BLOCKING_DISPATCHER = "tgcryptfs-blocking-dispatcher";
    /** The LMDB counter an older release kept its last published root sequence in. */
    private static final String LEGACY_ROOT_SEQUENCE = "root-sequence";
    /** Attempts per pack download: a reader waits at most about the gateway's timeout. */
    private static final int DOWNLOAD_ATTEMPTS = 6;
    /** Write-journal segments rotate at this size. */
    private static final long JOURNAL_SEGMENT_BYTES = 64L << 20;
    /** How often files whose bytes got sealed lose their mark (UnbackedFiles): one small commit at most. */
    private static final Duration UNBACKED_SWEEP = Duration.ofSeconds(1);

    private VolumeStartup() {
    }

    static Volume open(Settings settings, BlobStore backend, char[] password, Clock clock, LongSupplier nanoTime,
                       SecureRandom random, Metrics metrics, Sleeper sleeper, boolean snapshot) throws VolumeException {
        try {
            Files.createDirectories(settings.stateDir());
        } catch (IOException e) {
            throw new VolumeException("cannot create " + settings.stateDir() + ": " + e.getMessage(), e);
        }
        long largestPack = settings.packTargetSize() + 2L * settings.blockSize() + (1 << 16);
        if (largestPack > backend.maxObjectBytes()) {
            throw new VolumeException("tgcryptfs.pack.target-size is too big for this backend: packs may reach "
                    + largestPack + " bytes, the backend takes at most " + backend.maxObjectBytes());
        }
        FileChannel lockChannel = null;
        VolumeKeys keys = null;
        MetaStore meta = null;
        ActorSystem<Void> system = null;
        WriteJournal journal = null;
        ExecutorService uploadThreads = null;
        UploadPipeline uploads = null;
        try {
            lockChannel = FileChannel.open(settings.stateDir().resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = VolumeSetup.tryLock(lockChannel);
            if (lock == null) {
                throw new VolumeException("the volume in " + settings.stateDir() + " is already mounted by another process");
            }
            if (!VolumeSetup.existsLocally(settings)) {
                throw new VolumeException(VolumeSetup.existsOnBackend(settings, backend)
                        ? "no local copy of the volume: run `tgcryptfs restore` first"
                        : "no volume here yet: run `tgcryptfs init` (or mount, which offers to create one)");
            }
            VolumeHeader header = VolumeHeader.decode(Files.readAllBytes(settings.headerFile()));
            keys = VolumeKeys.unlock(header, password, random);
            if (settings.jitWarmUp()) {
                JitWarmup.startInBackground(new SealRoundTrip());
            } else {
                JitWarmup.skip();
            }
            meta = LmdbMetaStore.open(settings.metaDir(), settings.metadataMapSize(), settings.metadataSyncEveryCommit());
            MetadataRestore.adoptLegacyCounter(meta, LEGACY_ROOT_SEQUENCE);
            Outbox outbox = new Outbox(settings.outboxDir(), meta, keys.metadataCipher(), random,
                    settings.packTargetSize(), settings.outboxMaxSize());
            meta.setSyncOrder(outbox::forceThen); // every LMDB sync (capture, fsync, replay) forces packs first
            Backoff backoff = new Backoff(settings.retryMinBackoff(), settings.retryMaxBackoff(), settings.retryRandomFactor());
            // a reader waits at most about the gateway's timeout: a handful of backoffs from min-backoff
            PackCache packCache = new PackCache(settings.outboxDir(), settings.cacheDir(), meta, backend,
                    settings.cacheMaxSize(), settings.downloadConcurrency(), metrics,
                    new Retry(backoff, sleeper, random, DOWNLOAD_ATTEMPTS, (cause, e) -> metrics.retry(RetryCauses.download(cause))));
            BlockGeometry geometry = new BlockGeometry(header.blockSize(), Math.max(settings.bandSize(), header.blockSize())
                    / header.blockSize() * header.blockSize());
            ChunkStore chunks = new ChunkStore(header.blockSize(), meta, keys.chunkIds(), keys.chunkCipher(),
                    new Compressor(settings.compress()), outbox, packCache, new PlaintextCache(settings.plaintextCacheSize()), metrics);
            List<PackId> waiting = outbox.recover();
            Path replayDir = JournalFiles.setAsideForReplay(settings.stateDir());
            // an eighth of the dirty budget in journal records at once, as writes on their way to the bands
            journal = new WriteJournal(JournalFiles.journalDir(settings.stateDir()), meta, keys.metadataCipher(), random,
                    JOURNAL_SEGMENT_BYTES, Math.max(1L << 20, settings.dirtyBudget() / 8));

            system = ActorSystem.create(Behaviors.empty(), "tgcryptfs", settings.raw());
            Executor blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig(BLOCKING_DISPATCHER));
            DirtyBudget budget = new DirtyBudget(settings.dirtyBudget(), header.blockSize());
            DirtyRegions regions = new DirtyRegions();
            EngineContext ctx = new EngineContext(meta, chunks, geometry, budget, regions, blocking, clock, nanoTime,
                    new SealPolicy(settings.dirtyExpiry(), settings.dirtyMaxAge()), settings.passivateAfter(), journal,
                    new UnbackedFiles(regions));
            int purged = Deletions.purgeOrphans(ctx);
            if (purged > 0) {
                log.info("deleted {} files that were unlinked while open when the volume last stopped", purged);
            }
            Namespace.ensureRoot(ctx, ProcessIdentity.uid(), ProcessIdentity.gid());

            Props onBlocking = DispatcherSelector.fromConfig(BLOCKING_DISPATCHER);
            OpenFiles openFiles = new OpenFiles();
            ActorRef<EntityRegistry.Command> inodes = system.systemActorOf(
                    EntityRegistry.<Long, OpenInode.Command>create("inode", (ino, reg) -> OpenInode.create(ino, ctx, reg),
                            OpenInode.Stop.INSTANCE, onBlocking, ino -> ino, settings.maxLiveActors()), "inodes", Props.empty());
            ActorRef<EntityRegistry.Command> bands = system.systemActorOf(
                    EntityRegistry.<BandKey, Band.Command>create("band", (key, reg) -> Band.create(key, ctx, reg),
                            Band.Stop.INSTANCE, Props.empty(), BandKey::ino, settings.maxLiveActors()), "bands", Props.empty());
            budget.onPressure(() -> bands.tell(new EntityRegistry.Broadcast<BandKey, Band.Command>(k -> true, Band.MakeRoom.INSTANCE)));
            Namespace namespace = new Namespace(ctx, openFiles, Band.discardOnDelete(bands, ctx.dirtyRegions()));

            uploadThreads = Executors.newFixedThreadPool(settings.uploadConcurrency(), r -> {
                Thread t = new Thread(r, "tgcryptfs-upload");
                t.setDaemon(true);
                return t;
            });
            uploads = new UploadPipeline(meta, backend, outbox, packCache, uploadThreads, sleeper, random,
                    backoff, settings.uploadConcurrency(), settings.uploadQueueSize(), metrics);
            outbox.setListener(uploads);
            uploads.start(system, waiting);
            // after the uploads start (a replayed seal may wait for outbox room), before anything is served
            MetaStore opened = meta;
            Replay.run(replayDir, meta, keys.metadataCipher(), chunks, () -> {
                outbox.force();
                opened.sync();
            });
            JournalFiles.replayed(replayDir);
            // after the replay (it backs what fsyncs journaled), before anything is served
            UnbackedFiles.recover(meta, io.tgcryptfs.fs.Timestamp.of(clock.instant()));

            FsGateway gateway = new FsGateway(system, ctx, new LocalSync(outbox, journal, meta), namespace, inodes, bands,
                    openFiles, settings.askTimeout(), settings.writeTimeout(), settings.statfsCapacity(), blocking);
            Retry retry = MetadataRetry.policy(backoff, sleeper, random, metrics);
            PointCapture capture = new PointCapture(meta, settings.metalogDir(), keys.metadataCipher(), random,
                    Math.min(settings.packTargetSize(), backend.maxObjectBytes()), clock,
                    settings.metadataCheckpointRatio(), settings.metadataMaxDeltas(), () -> gateway.sealAndHoldWrites()::run);
            capture.removeUnrecordedFiles();
            PointPublisher publisher = new PointPublisher(meta, backend, keys.metadataCipher(), header.encode(),
                    settings.metalogDir(), random, retry, outbox::sealOpenPack, metrics::integrityFailure,
                    new Retention(settings.retentionKeepWithin(), settings.retentionKeepHourly(), settings.retentionKeepDaily()),
                    clock);
            RestorePoints points = new RestorePoints(meta, clock);
            GarbageCollector garbage = new GarbageCollector(new PackCompactor(meta, outbox, packCache), points, backend, retry,
                    settings.gcMinLiveRatio(), settings.gcMaxBytesPerPass());
            BackendSync backendSync = new BackendSync(gateway, outbox, uploads, capture, publisher, points, clock,
                    settings.metadataMaxUnbacked());
            metrics.gauge("dirty-bytes", budget::dirtyBytes);
            metrics.gauge("outbox-bytes", outbox::waitingBytes);
            metrics.gauge("cache-bytes", packCache::cachedBytes);
            metrics.gauge("metadata-backup-age-seconds", points::newestAgeSeconds);
            metrics.gauge("outbox-packs", outbox::waitingPacks);
            metrics.gauge("outbox-oldest-pack-age-seconds", () -> outbox.oldestWaitingAge(clock.instant()).toSeconds());
            budget.timeWaitsWith(nanoTime);
            metrics.secondsTotal("write-wait", budget::waitedNanos);
            metrics.secondsTotal("capture-hold", gateway::writesHeldNanos);
            VolumeParts parts = new VolumeParts(settings, backend, lockChannel, lock, header, keys, meta, outbox, packCache,
                    chunks, journal, system, uploadThreads, uploads, gateway, points, garbage, backendSync, gcThread());
            Volume volume = new Volume(parts, snapshot, nanoTime);
            if (snapshot) {
                return volume;
            }
            publisher.checkRootAtOpen();
            backendSync.start();
            system.scheduler().scheduleWithFixedDelay(UNBACKED_SWEEP, UNBACKED_SWEEP, () -> {
                try {
                    gateway.sweepUnbacked();
                } catch (RuntimeException e) {
                    log.warn("cannot drop the marks of files whose bytes are backed by now (retried): {}", e.toString());
                }
            }, system.dispatchers().lookup(DispatcherSelector.fromConfig(BLOCKING_DISPATCHER)));
            if (settings.gcEnabled()) {
                long every = settings.gcInterval().toMillis();
                parts.gcThread().scheduleWithFixedDelay(garbage::backgroundPass, every, every, TimeUnit.MILLISECONDS);
            }
            return volume;
        } catch (WrongPasswordException e) {
            cleanup(lockChannel, keys, meta, system, journal, uploads, uploadThreads);
            throw new VolumeException("wrong password");
        } catch (IntegrityException e) {
            cleanup(lockChannel, keys, meta, system, journal, uploads, uploadThreads);
            throw new VolumeException("the volume header or metadata is damaged: " + e.getMessage(), e);
        } catch (IOException e) {
            cleanup(lockChannel, keys, meta, system, journal, uploads, uploadThreads);
            throw new VolumeException("cannot open the volume: " + e.getMessage(), e);
        } catch (VolumeException e) {
            cleanup(lockChannel, keys, meta, system, journal, uploads, uploadThreads);
            throw e;
        } catch (RuntimeException e) {
            cleanup(lockChannel, keys, meta, system, journal, uploads, uploadThreads);
            throw new VolumeException("cannot open the volume: " + e.getMessage(), e);
        }
    }

    private static ScheduledExecutorService gcThread() {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tgcryptfs-gc");
            t.setDaemon(true);
            return t;
        });
    }

    /** After a failed open: stops what was started, in VolumeShutdown's order (what makes work first). */
    private static void cleanup(FileChannel lockChannel, VolumeKeys keys, MetaStore meta, ActorSystem<Void> system,
                                WriteJournal journal, UploadPipeline uploads, ExecutorService uploadThreads) {
        if (uploads != null) {
            uploads.close();
        }
        if (uploadThreads != null) {
            uploadThreads.shutdownNow();
        }
        if (system != null) {
            system.terminate();
            try {
                // a seal still running on the blocking dispatcher (a replay's, say) must not find LMDB closed
                system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.warn("actor system did not stop cleanly: {}", e.toString());
            }
        }
        if (journal != null) {
            try {
                journal.close();
            } catch (IOException ignored) {
                // the files are replayed at the next start either way
            }
        }
        if (meta != null) {
            meta.close();
        }
        if (keys != null) {
            keys.close();
        }
        if (lockChannel != null) {
            try {
                lockChannel.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }
}
