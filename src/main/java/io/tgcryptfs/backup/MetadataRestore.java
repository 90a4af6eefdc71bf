package io.tgcryptfs.backup;

import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.crypto.IntegrityException;
import io.tgcryptfs.crypto.MetadataCipher;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.backend.Retry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Restores the metadata of a restore point into an empty store: download its manifest (or the
 * fallback's, when the newest cannot be read), then each segment in order, authenticate it and apply
 * its records in bounded batches. Progress is recorded after each segment, so an interrupted restore
 * resumes where it stopped; memory holds one segment at a time.
 */
public final class MetadataRestore {
    private static final Logger log = LoggerFactory.getLogger(MetadataRestore.class);
    /** The manifest a restore in progress applies, and the index of its next segment. */
    static final String RESTORING = "restore/manifest";
    static final String NEXT_SEGMENT = "restore/next-segment";
    private static final int BATCH = 20_000;

    private final BlobStore backend;
    private final MetadataCipher cipher;
    private final Path scratch;
    private final Retry retry;

    public MetadataRestore(BlobStore backend, MetadataCipher cipher, Path scratch, Retry retry) {
        this.backend = backend;
        this.cipher = cipher;
        this.scratch = scratch;
        this.retry = retry;
    }

    /** What was restored: the point, whether it was the fallback, and its manifest. */
    public record Restored(RootBody.PointRef point, boolean fallback, Manifest manifest) {
    }

    /** The newest root body on the backend, authenticated; empty when the backend holds no volume. */
    public Optional<RootBody> root() throws BackendException, IntegrityException, InterruptedException {
        return RootRecord.readBody(retry.call(backend::getRoot), cipher);
    }

    /**
     * Whether {@code meta} holds a restore of the backend's newest point that stopped part way (and may
     * go on), as opposed to an empty store (also fine) or anything else (to be wiped first: for example
     * a point that is no longer the newest).
     */
    public static boolean resumable(MetaStore meta, RootBody body) {
        Optional<String> name = meta.read(r -> r.local(RESTORING).map(String::new));
        return name.isPresent() && name.get().equals(body.latest().name());
    }

    /** Applies the kept point {@code point} (a read-only snapshot mount) to {@code meta}. */
    public Restored restorePoint(RootBody.PointRef point, RootBody body, MetaStore meta, Consumer<RestoreProgress> progress)
            throws BackendException, IntegrityException, IOException, InterruptedException {
        Manifest manifest = fetchManifest(point);
        apply(point, manifest, meta, progress);
        finish(point, manifest, body, true, meta);
        return new Restored(point, false, manifest);
    }

    /** Applies the newest point of {@code body} (or its fallback) to {@code meta}. */
    public Restored restore(RootBody body, MetaStore meta, Consumer<RestoreProgress> progress)
            throws BackendException, IntegrityException, IOException, InterruptedException {
        boolean fallback = false;
        RootBody.PointRef point = body.latest();
        Manifest manifest;
        try {
            manifest = fetchManifest(point);
        } catch (BackendException | IntegrityException e) {
            if (!body.previous().exists()) {
                throw e;
            }
            log.warn("the newest restore point #{} cannot be read ({}); restoring the one before it",
                    point.sequence(), e.getMessage());
            point = body.previous();
            fallback = true;
            manifest = fetchManifest(point);
        }
        apply(point, manifest, meta, progress);
        finish(point, manifest, body, fallback, meta);
        return new Restored(point, fallback, manifest);
    }

    private Manifest fetchManifest(RootBody.PointRef point) throws BackendException, IntegrityException, IOException,
            InterruptedException {
        byte[] plain = cipher.open(Manifest.label(point.name()), download(point.ref()));
        try {
            Manifest manifest = Manifest.decode(plain);
            if (manifest.sequence() != point.sequence()) {
                throw new IntegrityException("restore point manifest #" + manifest.sequence()
                        + " is named by the root as #" + point.sequence());
            }
            return manifest;
        } catch (IllegalArgumentException e) {
            throw new IntegrityException("restore point manifest is damaged: " + e.getMessage(), e);
        }
    }

    private void apply(RootBody.PointRef point, Manifest manifest, MetaStore meta, Consumer<RestoreProgress> progress)
            throws BackendException, IntegrityException, IOException, InterruptedException {
        Optional<String> earlier = meta.read(r -> r.local(RESTORING).map(String::new));
        if (earlier.isPresent() && !earlier.get().equals(point.name())) {
            throw new IOException("this state directory holds part of a restore of another restore point; "
                    + "move it aside and restore again");
        }
        meta.write(w -> {
            w.putLocal(RESTORING, point.name().getBytes());
            return null;
        });
        List<SegmentRef> segments = manifest.segments();
        int next = Math.toIntExact(meta.read(r -> LogBook.number(r, NEXT_SEGMENT)));
        long total = manifest.segmentBytes();
        long done = segments.subList(0, next).stream().mapToLong(SegmentRef::sealedBytes).sum();
        progress.accept(new RestoreProgress(next, segments.size(), done, total));
        for (int i = next; i < segments.size(); i++) {
            SegmentRef segment = segments.get(i);
            SegmentReader.read(cipher, segment, download(segment.ref()), BATCH, meta::apply);
            int applied = i + 1;
            meta.write(w -> {
                LogBook.setNumber(w, NEXT_SEGMENT, applied);
                return null;
            });
            done += segment.sealedBytes();
            progress.accept(new RestoreProgress(applied, segments.size(), done, total));
        }
    }

    /** Pack records, then the log's bookkeeping, so this machine's next point continues the same chain. */
    private static void finish(RootBody.PointRef point, Manifest manifest, RootBody body, boolean fallback, MetaStore meta) {
        meta.write(w -> {
            for (PackFix fix : manifest.packs()) {
                w.putPack(fix.record());
            }
            java.util.Map<Long, Integer> perPoint = new java.util.HashMap<>();
            for (SegmentRef segment : manifest.segments()) {
                int index = perPoint.merge(segment.point(), 1, Integer::sum) - 1;
                LogBook.putSegment(w, LogBook.segmentName(segment.point(), index), segment);
            }
            LogBook.setCheckpoint(w, new LogBook.Checkpoint(manifest.checkpointSequence(), manifest.segmentBytes(), 0, 0));
            manifest.earlier().forEach(k -> LogBook.putKept(w, k));
            LogBook.putKept(w, new KeptPoint(point.sequence(), manifest.createdMillis(), manifest.checkpointSequence(),
                    manifest.stats(), point.name(), point.ref()));
            LogBook.setNumber(w, LogBook.KNOWN_FROM, manifest.checkpointSequence());
            LogBook.setNumber(w, LogBook.ROOT_SEQUENCE, point.sequence());
            LogBook.setNumber(w, LogBook.SEQUENCE, Math.max(point.sequence(), fallback ? 0 : body.sequence()));
            w.deleteLocal(RESTORING);
            w.deleteLocal(NEXT_SEGMENT);
            return null;
        });
    }

    /** The newest point's manifest: its catalog lists every kept point (for `snapshots`). */
    public Manifest newestManifest(RootBody body) throws BackendException, IntegrityException, IOException,
            InterruptedException {
        return fetchManifest(body.latest());
    }

    /**
     * Writes the whole-LMDB snapshot an older release published (root body version 1) as
     * {@code metaDir/data.mdb}, falling back to the snapshot before it. Such a snapshot was at most one
     * object, so it fits in memory.
     */
    public RootBody.PointRef restoreLegacy(RootBody body, Path metaDir) throws BackendException, IntegrityException,
            IOException, InterruptedException {
        RootBody.PointRef point = body.latest();
        byte[] plain;
        try {
            plain = cipher.open("meta-snapshot:" + point.name(), download(point.ref()));
        } catch (BackendException | IntegrityException e) {
            if (!body.previous().exists()) {
                throw e;
            }
            point = body.previous();
            plain = cipher.open("meta-snapshot:" + point.name(), download(point.ref()));
        }
        Files.createDirectories(metaDir);
        Files.write(metaDir.resolve("data.mdb"), plain);
        return point;
    }

    /** After a legacy restore: the next publish continues from that point's sequence. */
    public static void adoptLegacy(MetaStore meta, RootBody.PointRef point) {
        meta.write(w -> {
            LogBook.setNumber(w, LogBook.ROOT_SEQUENCE, point.sequence());
            LogBook.setNumber(w, LogBook.SEQUENCE, point.sequence());
            return null;
        });
    }

    /** An in-place upgrade of a volume whose last root was published by an older release. */
    public static void adoptLegacyCounter(MetaStore meta, String counter) {
        meta.write(w -> {
            if (LogBook.number(w, LogBook.ROOT_SEQUENCE) == 0 && w.counter(counter) > 0) {
                LogBook.setNumber(w, LogBook.ROOT_SEQUENCE, w.counter(counter));
            }
            return null;
        });
    }

    private byte[] download(String ref) throws BackendException, IOException, InterruptedException {
        Files.createDirectories(scratch);
        Path file = Files.createTempFile(scratch, "restore-", ".part");
        try {
            retry.call(() -> {
                backend.get(ref, file);
                return null;
            });
            return Files.readAllBytes(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
