package io.tgcryptfs.volume;

import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.backup.MetadataRestore;
import io.tgcryptfs.backup.PointCapture;
import io.tgcryptfs.backup.PointPublisher;
import io.tgcryptfs.backup.RestorePoints;
import io.tgcryptfs.backup.Retention;
import io.tgcryptfs.backend.Retry;
import io.tgcryptfs.journal.JournalFiles;
import io.tgcryptfs.journal.LocalSync;
import io.tgcryptfs.journal.Replay;
import io.tgcryptfs.journal.WriteJournal;
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
import io.tgcryptfs.engine.DirtyBudget;
import io.tgcryptfs.engine.DirtyRegions;
import io.tgcryptfs.engine.EngineContext;
import io.tgcryptfs.engine.SealPolicy;
import io.tgcryptfs.engine.EntityRegistry;
import io.tgcryptfs.engine.Namespace;
import io.tgcryptfs.engine.OpenFiles;
import io.tgcryptfs.engine.OpenInode;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.gateway.FsGateway;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.lmdb.LmdbMetaStore;
import io.tgcryptfs.metrics.Metrics;
import io.tgcryptfs.metrics.RetryCauses;
import io.tgcryptfs.backend.Backoff;
import io.tgcryptfs.backend.Sleeper;
import io.tgcryptfs.pipeline.UploadPipeline;
import io.tgcryptfs.pipeline.UploadStatus;
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
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * An unlocked, running volume: keys, metadata, outbox, cache, actors, upload pipeline and gateway,
 * wired together. Creating, opening (or restoring from the backend on a new machine) and the clean
 * shutdown path (seal, upload everything, back up metadata) live here.
 */
public final class Volume implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Volume.class);
    private static final String BLOCKING_DISPATCHER = "tgcryptfs-blocking-dispatcher";
    /** The LMDB counter an older release kept its last published root sequence in. */
    private static final String LEGACY_ROOT_SEQUENCE = "root-sequence";
    /** Attempts per pack download: a reader waits at most about the gateway's timeout. */
    private static final int DOWNLOAD_ATTEMPTS = 6;
    /** Write-journal segments rotate at this size. */
    private static final long JOURNAL_SEGMENT_BYTES = 64L << 20;
    /** Attempts per backend call of the metadata log before a tick gives up (the next tick tries again). */
    private static final int METADATA_ATTEMPTS = 8;

    private final Settings settings;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final VolumeKeys keys;
    private final VolumeHeader header;
    private final BlobStore backend;
    private final MetaStore meta;
    private final Outbox outbox;
    private final PackCache packCache;
    private final ActorSystem<Void> system;
    private final UploadPipeline uploads;
    private final ExecutorService uploadThreads;
    private final FsGateway gateway;
    private final ChunkStore chunks;
    private final LongSupplier nanoTime;
    private final BackendSync backendSync;
    private final RestorePoints points;
    private final GarbageCollector garbage;
    private final WriteJournal journal;
    /** A restore point mounted for browsing: never publishes, never collects garbage. */
    private final boolean snapshot;
    private final ScheduledExecutorService gcThread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tgcryptfs-gc");
        t.setDaemon(true);
        return t;
    });
    private final long startedNanos;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private Volume(Settings settings, FileChannel lockChannel, FileLock lock, VolumeKeys keys, VolumeHeader header,
                   BlobStore backend, MetaStore meta, Outbox outbox, PackCache packCache, ActorSystem<Void> system,
                   UploadPipeline uploads, ExecutorService uploadThreads, FsGateway gateway, LongSupplier nanoTime,
                   BackendSync backendSync, RestorePoints points, GarbageCollector garbage, boolean snapshot,
                   WriteJournal journal) {
        this.journal = journal;
        this.snapshot = snapshot;
        this.backendSync = backendSync;
        this.points = points;
        this.garbage = garbage;
        this.settings = settings;
        this.nanoTime = nanoTime;
        this.startedNanos = nanoTime.getAsLong();
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.keys = keys;
        this.header = header;
        this.backend = backend;
        this.meta = meta;
        this.outbox = outbox;
        this.packCache = packCache;
        this.system = system;
        this.uploads = uploads;
        this.uploadThreads = uploadThreads;
        this.gateway = gateway;
        this.chunks = gateway.chunks();
    }

    /**
     * Unlocks and starts the volume. A volume that exists only on the backend must be restored first
     * ({@link VolumeRestore}).
     */
    public static Volume open(Settings settings, BlobStore backend, char[] password, Clock clock, LongSupplier nanoTime,
                              SecureRandom random, Metrics metrics, Sleeper sleeper) throws VolumeException {
        return open(settings, backend, password, clock, nanoTime, random, metrics, sleeper, false);
    }

    /**
     * Opens a restored restore point for browsing ({@link VolumeRestore#runPoint}): nothing is ever
     * published from it, no gc runs, and the mount is read-only, so the writer's volume is untouched.
     */
    public static Volume openSnapshot(Settings settings, BlobStore backend, char[] password, Clock clock,
                                      LongSupplier nanoTime, SecureRandom random, Metrics metrics, Sleeper sleeper)
            throws VolumeException {
        return open(settings, backend, password, clock, nanoTime, random, metrics, sleeper, true);
    }

    private static Volume open(Settings settings, BlobStore backend, char[] password, Clock clock, LongSupplier nanoTime,
                               SecureRandom random, Metrics metrics, Sleeper sleeper, boolean snapshot)
            throws VolumeException {
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
        try {
            lockChannel = FileChannel.open(settings.stateDir().resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = VolumeSetup.tryLock(lockChannel);
            if (lock == null) {
                throw new VolumeException("the volume in " + settings.stateDir() + " is already mounted by another process");
            }
            if (!VolumeSetup.existsLocally(settings)) {
                throw new VolumeException(VolumeSetup.existsOnBackend(backend)
                        ? "no local copy of the volume: run `tgcryptfs restore` first"
                        : "no volume here yet: run `tgcryptfs init` (or mount, which offers to create one)");
            }
            VolumeHeader header = VolumeHeader.decode(Files.readAllBytes(settings.headerFile()));
            keys = VolumeKeys.unlock(header, password, random);
            JitWarmup.startInBackground(new SealRoundTrip());
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
            journal = new WriteJournal(JournalFiles.journalDir(settings.stateDir()), meta, keys.metadataCipher(), random,
                    JOURNAL_SEGMENT_BYTES);

            system = ActorSystem.create(Behaviors.empty(), "tgcryptfs", settings.raw());
            Executor blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig(BLOCKING_DISPATCHER));
            DirtyBudget budget = new DirtyBudget(settings.dirtyBudget(), header.blockSize());
            EngineContext ctx = new EngineContext(meta, chunks, geometry, budget, new DirtyRegions(), blocking, clock, nanoTime,
                    new SealPolicy(settings.dirtyExpiry(), settings.dirtyMaxAge()), settings.passivateAfter(), journal);
            int purged = Namespace.purgeOrphans(ctx);
            if (purged > 0) {
                log.info("deleted {} files that were unlinked while open when the volume last stopped", purged);
            }
            Namespace.ensureRoot(ctx, ProcessIdentity.uid(), ProcessIdentity.gid());

            Props onBlocking = DispatcherSelector.fromConfig(BLOCKING_DISPATCHER);
            OpenFiles openFiles = new OpenFiles();
            Namespace namespace = new Namespace(ctx, openFiles);
            ActorRef<EntityRegistry.Command> inodes = system.systemActorOf(
                    EntityRegistry.<Long, OpenInode.Command>create("inode", (ino, reg) -> OpenInode.create(ino, ctx, reg),
                            OpenInode.Stop.INSTANCE, onBlocking, ino -> ino, settings.maxLiveActors()), "inodes", Props.empty());
            ActorRef<EntityRegistry.Command> bands = system.systemActorOf(
                    EntityRegistry.<BandKey, Band.Command>create("band", (key, reg) -> Band.create(key, ctx, reg),
                            Band.Stop.INSTANCE, Props.empty(), BandKey::ino, settings.maxLiveActors()), "bands", Props.empty());
            budget.onPressure(() -> bands.tell(new EntityRegistry.Broadcast<BandKey, Band.Command>(k -> true, Band.SealAll.INSTANCE)));

            ExecutorService uploadThreads = Executors.newFixedThreadPool(settings.uploadConcurrency(), r -> {
                Thread t = new Thread(r, "tgcryptfs-upload");
                t.setDaemon(true);
                return t;
            });
            UploadPipeline uploads = new UploadPipeline(meta, backend, outbox, packCache, uploadThreads, sleeper, random,
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

            FsGateway gateway = new FsGateway(system, ctx, new LocalSync(outbox, journal, meta), namespace, inodes, bands,
                    openFiles, settings.askTimeout(), settings.writeTimeout(), settings.statfsCapacity(), blocking);
            Retry retry = retryPolicy(backoff, sleeper, random, metrics);
            PointCapture capture = new PointCapture(meta, settings.metalogDir(), keys.metadataCipher(), random,
                    Math.min(settings.packTargetSize(), backend.maxObjectBytes()), clock,
                    settings.metadataCheckpointRatio(), settings.metadataMaxDeltas());
            capture.removeUnrecordedFiles();
            PointPublisher publisher = new PointPublisher(meta, backend, keys.metadataCipher(), header.encode(),
                    settings.metalogDir(), random, retry, outbox::sealOpenPack, metrics::integrityFailure,
                    new Retention(settings.retentionKeepWithin(), settings.retentionKeepHourly(), settings.retentionKeepDaily()),
                    clock);
            RestorePoints points = new RestorePoints(meta, clock);
            GarbageCollector garbage = new GarbageCollector(new PackCompactor(meta, outbox, packCache), points, backend,
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
            Volume volume = new Volume(settings, lockChannel, lock, keys, header, backend, meta, outbox, packCache, system,
                    uploads, uploadThreads, gateway, nanoTime, backendSync, points, garbage, snapshot, journal);
            if (snapshot) {
                return volume;
            }
            publisher.checkRootAtOpen();
            backendSync.start();
            if (settings.gcEnabled()) {
                long every = settings.gcInterval().toMillis();
                volume.gcThread.scheduleWithFixedDelay(garbage::backgroundPass, every, every, TimeUnit.MILLISECONDS);
            }
            return volume;
        } catch (WrongPasswordException e) {
            cleanup(lockChannel, keys, meta, system, journal);
            throw new VolumeException("wrong password");
        } catch (IntegrityException e) {
            cleanup(lockChannel, keys, meta, system, journal);
            throw new VolumeException("the volume header or metadata is damaged: " + e.getMessage(), e);
        } catch (IOException e) {
            cleanup(lockChannel, keys, meta, system, journal);
            throw new VolumeException("cannot open the volume: " + e.getMessage(), e);
        } catch (VolumeException e) {
            cleanup(lockChannel, keys, meta, system, journal);
            throw e;
        } catch (RuntimeException e) {
            cleanup(lockChannel, keys, meta, system, journal);
            throw new VolumeException("cannot open the volume: " + e.getMessage(), e);
        }
    }

    public FsGateway gateway() {
        return gateway;
    }

    public boolean isSnapshot() {
        return snapshot;
    }

    public int blockSize() {
        return header.blockSize();
    }

    public UploadStatus uploadStatus() {
        return uploads.status();
    }

    /**
     * Seals every dirty block, uploads every pack and publishes a metadata snapshot: afterwards the
     * backend alone (plus the password) holds the whole filesystem.
     */
    public void syncToBackend(Consumer<UploadStatus> progress) throws InterruptedException, VolumeException {
        if (snapshot) {
            throw new VolumeException("this is a read-only restore point: there is nothing to sync");
        }
        backendSync.syncToBackend(progress);
    }

    /**
     * Publishes this machine's state over a newer restore point on the backend, which is otherwise never
     * overwritten: the user's explicit confirmation after a restore from the fallback point, or when
     * taking over from a writer that is gone for good. Then syncs.
     */
    public void syncReplacingNewerRoot(Consumer<UploadStatus> progress) throws InterruptedException, VolumeException {
        if (snapshot) {
            throw new VolumeException("this is a read-only restore point: there is nothing to sync");
        }
        backendSync.replaceNewerRoot();
        backendSync.syncToBackend(progress);
    }

    /**
     * Garbage collection now: compacts mostly dead packs, publishes two restore points (so neither the
     * newest nor its fallback mentions the retired packs), then deletes the retired packs no kept
     * restore point mentions (the rest go when their points expire).
     */
    public void gc(Consumer<String> out) throws InterruptedException, VolumeException {
        if (snapshot) {
            throw new VolumeException("this is a read-only restore point: run gc on the writer's mount");
        }
        garbage.compact(out);
        syncToBackend(s -> { });
        syncToBackend(s -> { });
        try {
            garbage.deleteUnneeded(out);
        } catch (BackendException | IOException e) {
            throw new VolumeException("gc could not delete every retired pack (it retries next time): " + e.getMessage(), e);
        }
    }

    /**
     * Authenticates every stored chunk; with {@code fromBackend} as the backend returns it. Returns the
     * number of damaged chunks.
     */
    public long verify(boolean fromBackend, Consumer<String> out) {
        return new Verifier(meta, chunks, backend, settings.stateDir().resolve("verify.part")).verify(fromBackend, out);
    }

    /** Lines for `tgcryptfs status`. */
    public List<String> statusLines() {
        UploadStatus u = uploads.status();
        double seconds = Math.max(1e-3, (nanoTime.getAsLong() - startedNanos) / 1e9);
        List<String> lines = new java.util.ArrayList<>();
        long[] bytes = meta.read(r -> new long[] {r.counter(ChunkStore.STORED_BYTES), r.counter(ChunkStore.LOGICAL_BYTES)});
        lines.add(String.format("stored: %.1f MiB of chunks for %.1f MiB of file data", bytes[0] / 1048576.0,
                bytes[1] / 1048576.0));
        lines.add(String.format("outbox: %d packs, %.1f MiB waiting for upload", u.pendingPacks(), u.pendingBytes() / 1048576.0));
        lines.add(String.format("uploaded since mount: %d packs, %.1f MiB (%.2f MiB/s average)", u.uploadedPacks(),
                u.uploadedBytes() / 1048576.0, u.uploadedBytes() / 1048576.0 / seconds));
        lines.add(String.format("downloaded since mount: %.1f MiB (%.2f MiB/s average)",
                packCache.downloadedBytes() / 1048576.0, packCache.downloadedBytes() / 1048576.0 / seconds));
        lines.add("retries by cause: " + (u.retriesByCause().isEmpty() ? "none" : u.retriesByCause().toString()));
        lines.add("uploads: " + (u.blockedReason() == null ? "running" : "blocked: " + u.blockedReason()));
        lines.add(String.format("cache: %.1f MiB", packCache.cachedBytes() / 1048576.0));
        lines.addAll(points.statusLines());
        if (backendSync.failure() != null) {
            lines.add(backendSync.failure());
        }
        lines.addAll(backend.statusLines());
        return lines;
    }

    /** Stored and not-yet-uploaded bytes of the files under {@code names}, a path from the root (timemachine status). */
    public StoredUsage usage(List<String> names) {
        return StoredUsage.of(meta, names, header.blockSize());
    }

    /** Drops cached packs the backend has confirmed (cache clear). */
    public long clearCache() throws IOException {
        return packCache.clear();
    }

    @Override
    public void close() {
        // not synchronized with syncToBackend: closing the pipeline is what ends a drain that cannot finish
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        gcThread.shutdownNow();
        backendSync.close();
        uploads.close();
        uploadThreads.shutdownNow();
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("actor system did not stop cleanly: {}", e.toString());
        }
        try {
            journal.close();
        } catch (IOException e) {
            log.warn("closing the write journal: {}", e.toString());
        }
        outbox.close();
        meta.close();
        keys.close();
        try {
            backend.close();
        } catch (IOException e) {
            log.warn("closing the backend: {}", e.toString());
        }
        release(lockChannel, lock);
    }

    /** The one retry policy of metadata calls; retries are counted by cause like the uploads'. */
    static Retry retryPolicy(Backoff backoff, Sleeper sleeper, java.util.random.RandomGenerator random, Metrics metrics) {
        return new Retry(backoff, sleeper, random, METADATA_ATTEMPTS, (cause, e) -> {
            metrics.retry(cause);
            log.warn("metadata backend call failed ({}), retrying: {}", cause, e.getMessage());
        });
    }

    private static void release(FileChannel channel, FileLock lock) {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // the lock goes with the process anyway
        }
    }

    private static void cleanup(FileChannel lockChannel, VolumeKeys keys, MetaStore meta, ActorSystem<Void> system,
                                WriteJournal journal) {
        if (system != null) {
            system.terminate();
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
