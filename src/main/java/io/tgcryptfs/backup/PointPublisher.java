package io.tgcryptfs.backup;

import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.crypto.IntegrityException;
import io.tgcryptfs.crypto.MetadataCipher;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.PackRecord;
import io.tgcryptfs.meta.PackState;
import io.tgcryptfs.backend.Retry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.random.RandomGenerator;

/**
 * Publishes captured restore points, oldest first, each as soon as the packs it needs are on the
 * backend: upload its segments (each once: the reference is recorded before anything else happens),
 * upload its manifest (once), then move the root record (retried alone). Afterwards the objects that
 * neither the newest nor the fallback point needs are deleted.
 *
 * <p>When several captured points are ready, only the newest gets a manifest and a root: the older
 * ones' segments are part of its chain anyway.
 */
public final class PointPublisher {
    /** {@code L log/root-intent}: sequence:i64 | manifest name (UTF-8) of the last root about to be published. */
    static final String ROOT_INTENT = "log/root-intent";

    private static final Logger log = LoggerFactory.getLogger(PointPublisher.class);

    private final MetaStore meta;
    private final BlobStore backend;
    private final MetadataCipher cipher;
    private final byte[] header;
    private final Path dir;
    private final RandomGenerator random;
    private final Retry retry;
    private final Runnable sealOpenPack;
    private final Runnable rollbackSeen;
    private final Retention retention;
    private final java.time.Clock clock;

    /**
     * @param sealOpenPack closes the outbox's open pack, when a point waits for a pack that is still open
     * @param rollbackSeen told when the backend's root is older than the last one published here
     */
    public PointPublisher(MetaStore meta, BlobStore backend, MetadataCipher cipher, byte[] header, Path dir,
                          RandomGenerator random, Retry retry, Runnable sealOpenPack, Runnable rollbackSeen,
                          Retention retention, java.time.Clock clock) {
        this.retention = retention;
        this.clock = clock;
        this.meta = meta;
        this.backend = backend;
        this.cipher = cipher;
        this.header = header.clone();
        this.dir = dir;
        this.random = random;
        this.retry = retry;
        this.sealOpenPack = sealOpenPack;
        this.rollbackSeen = rollbackSeen;
    }

    /** The backend holds a newer restore point than this machine knows: publishing would lose it. */
    public static final class NewerRootException extends Exception {
        NewerRootException(String message) {
            super(message);
        }
    }

    /** Publishes the newest ready point; returns its sequence, or empty when none is ready. */
    public OptionalLong publishReady() throws BackendException, IOException, IntegrityException, InterruptedException,
            NewerRootException {
        Optional<PendingPoint> ready = newestReady();
        if (ready.isEmpty()) {
            return OptionalLong.empty();
        }
        PendingPoint point = ready.get();
        uploadSegmentsOf(point);
        List<KeptPoint> keptBefore = meta.read(LogBook::kept);
        List<KeptPoint> keptAfter = keepAfter(keptBefore, point);
        Manifest manifest = manifestOf(point, keptAfter);
        LogBook.UploadedManifest uploaded = uploadManifest(point, manifest);
        publishRoot(point, uploaded, keptBefore, keptAfter);
        deleteObsolete();
        return OptionalLong.of(point.sequence());
    }

    /**
     * The user's explicit go-ahead to publish over a newer root on the backend (this machine was restored
     * from the fallback point, or took over from a writer that is gone): the next publish numbers its
     * point above the backend's. Returns the backend's sequence.
     */
    public long adoptBackendSequence() throws BackendException, IntegrityException, InterruptedException {
        long backendSequence = RootRecord.readBody(retry.call(backend::getRoot), cipher).map(RootBody::sequence).orElse(0L);
        meta.write(w -> {
            if (backendSequence > LogBook.number(w, LogBook.ROOT_SEQUENCE)) {
                LogBook.setNumber(w, LogBook.ROOT_SEQUENCE, backendSequence);
            }
            return null;
        });
        log.warn("publishing over the backend's restore point #{} as asked", backendSequence);
        return backendSequence;
    }

    /** Reports (through rollbackSeen and the log) a backend root older than the last one published here. */
    public void checkRootAtOpen() {
        try {
            long backend = RootRecord.readBody(this.backend.getRoot(), cipher).map(RootBody::sequence).orElse(0L);
            long published = meta.read(r -> LogBook.number(r, LogBook.ROOT_SEQUENCE));
            if (backend < published) {
                rollbackSeen.run();
                log.error("the backend's root record (restore point #{}) is older than the last one this machine published "
                        + "(#{}), seen at mount: it was replayed or rolled back", backend, published);
            }
        } catch (BackendException | IntegrityException e) {
            log.warn("cannot read the backend's root record at mount ({}); publishing will retry", e.getMessage());
        }
    }

    private Optional<PendingPoint> newestReady() {
        List<PendingPoint> pending = meta.read(LogBook::pendingPoints);
        PendingPoint ready = null;
        for (PendingPoint p : pending) {
            List<PackState> states = meta.read(r -> p.packs().stream()
                    .map(pack -> r.pack(pack.id()).map(PackRecord::state).orElse(PackState.RETIRED)).toList());
            if (states.contains(PackState.OPEN)) {
                sealOpenPack.run(); // idle writers would otherwise keep the point waiting for ever
            }
            if (states.contains(PackState.OPEN) || states.contains(PackState.SEALED)) {
                break; // a later point needs at least what this one needs
            }
            ready = p;
        }
        return Optional.ofNullable(ready);
    }

    /**
     * Uploads the segments {@code point}'s manifest lists (points checkpoint..point). Segments of points
     * skipped on the way that the manifest does not list (a newer checkpoint came first) are dropped:
     * nothing will ever reference them.
     */
    private void uploadSegmentsOf(PendingPoint point) throws BackendException, IOException, InterruptedException {
        long lastPublished = meta.read(r -> LogBook.number(r, LogBook.ROOT_SEQUENCE));
        for (String entry : meta.read(LogBook::segmentEntries)) {
            long owner = LogBook.pointOfSegmentName(entry);
            if (owner > point.sequence()) {
                break;
            }
            SegmentRef segment = meta.read(r -> LogBook.segment(r, entry));
            Path file = SegmentWriter.fileOf(dir, segment.name());
            if (owner < point.checkpointSequence()) {
                if (owner > lastPublished) { // captured, never published, and now under a newer checkpoint
                    meta.write(w -> {
                        LogBook.markObsolete(w, segment.name(), segment.ref());
                        w.deleteLocal(entry);
                        return null;
                    });
                    Files.deleteIfExists(file);
                }
                continue; // a published point's: stays while a kept point needs it
            }
            if (segment.isUploaded()) {
                continue;
            }
            String ref = retry.call(() -> backend.put(segment.name(), file));
            meta.write(w -> {
                LogBook.putSegment(w, entry, segment.uploaded(ref));
                return null;
            });
            meta.sync(); // the ref durable before the file goes: a power loss must not lose both
            Files.deleteIfExists(file);
        }
    }

    /** The points kept once {@code point} is published (its manifest and ref not known yet: placeholders). */
    private List<KeptPoint> keepAfter(List<KeptPoint> before, PendingPoint point) {
        List<KeptPoint> all = new ArrayList<>(before);
        all.add(new KeptPoint(point.sequence(), point.createdMillis(), point.checkpointSequence(), point.stats(), "", ""));
        return retention.select(all, clock.millis());
    }

    private Manifest manifestOf(PendingPoint point, List<KeptPoint> keptAfter) {
        return meta.read(r -> {
            List<PackFix> fixes = new ArrayList<>();
            for (PendingPoint.PendingPack p : point.packs()) {
                r.pack(p.id()).filter(rec -> rec.remoteRef() != null)
                        .ifPresent(rec -> fixes.add(new PackFix(p.id(), rec.size(), p.liveBytes(), rec.remoteRef())));
            }
            List<KeptPoint> earlier = keptAfter.stream().filter(k -> k.sequence() != point.sequence()).toList();
            return new Manifest(point.sequence(), point.createdMillis(), point.checkpointSequence(), point.stats(),
                    LogBook.segments(r, point.checkpointSequence(), point.sequence()), fixes, earlier);
        });
    }

    private LogBook.UploadedManifest uploadManifest(PendingPoint point, Manifest manifest)
            throws BackendException, IOException, InterruptedException {
        Optional<LogBook.UploadedManifest> earlier = meta.read(LogBook::uploadedManifest);
        if (earlier.isPresent() && earlier.get().sequence() == point.sequence()) {
            return earlier.get(); // uploaded by an attempt whose root publish failed
        }
        String name = randomName();
        Path file = dir.resolve(name + ".point");
        write(file, cipher.seal(Manifest.label(name), manifest.encode()));
        try {
            String ref = retry.call(() -> backend.put(name, file));
            LogBook.UploadedManifest uploaded = new LogBook.UploadedManifest(point.sequence(), name, ref, point.createdMillis());
            meta.write(w -> {
                earlier.ifPresent(e -> LogBook.markObsolete(w, e.name(), e.ref()));
                LogBook.setUploadedManifest(w, uploaded);
                return null;
            });
            return uploaded;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private void publishRoot(PendingPoint point, LogBook.UploadedManifest manifest, List<KeptPoint> keptBefore,
                             List<KeptPoint> keptAfter)
            throws BackendException, IntegrityException, InterruptedException, NewerRootException {
        long lastPublished = meta.read(r -> LogBook.number(r, LogBook.ROOT_SEQUENCE));
        Optional<RootBody> current = RootRecord.readBody(retry.call(backend::getRoot), cipher);
        long backendSequence = current.map(RootBody::sequence).orElse(0L);
        // our own publish whose local record a power loss took back (the intent below was synced first)
        boolean ownLostPublish = current.isPresent() && meta.read(r -> r.local(ROOT_INTENT)).map(v -> {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(v);
            long sequence = b.getLong();
            String name = java.nio.charset.StandardCharsets.UTF_8.decode(b).toString();
            return sequence == backendSequence && name.equals(current.get().latest().name());
        }).orElse(false);
        if (backendSequence > lastPublished && !ownLostPublish) {
            throw new NewerRootException("the backend holds restore point #" + backendSequence
                    + ", newer than #" + lastPublished + ", the last one this machine published or restored "
                    + "(another machine writes to this volume, or this one was restored from an older point); "
                    + "not publishing over it. If this machine is the volume's only writer, "
                    + "`tgcryptfs sync --replace-newer-root` publishes over it");
        }
        if (backendSequence < lastPublished && !ownLostPublish) {
            rollbackSeen.run();
            log.error("the backend's root record (restore point #{}) is older than the last one this machine published "
                    + "(#{}): it was replayed or rolled back; publishing #{} replaces it", backendSequence, lastPublished,
                    point.sequence());
        }
        KeptPoint published = new KeptPoint(point.sequence(), manifest.createdMillis(), point.checkpointSequence(),
                point.stats(), manifest.name(), manifest.ref());
        RootBody.PointRef previous = keptBefore.isEmpty() ? RootBody.PointRef.NONE
                : keptBefore.get(keptBefore.size() - 1).pointRef();
        RootBody body = new RootBody(RootBody.VERSION, point.sequence(), published.pointRef(), previous);
        byte[] root = RootRecord.seal(header, body, cipher);
        // durable before the backend names the point: what this machine captured and is about to publish
        // (the point, its segments, the manifest) and the intent, so a power loss after the publish cannot
        // make the backend's root look like another writer's
        byte[] nameBytes = manifest.name().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] intent = java.nio.ByteBuffer.allocate(8 + nameBytes.length).putLong(point.sequence()).put(nameBytes).array();
        meta.write(w -> {
            w.putLocal(ROOT_INTENT, intent);
            return null;
        });
        meta.sync();
        retry.call(() -> {
            backend.putRoot(root);
            return null;
        });
        java.util.Set<Long> stays = new java.util.HashSet<>();
        keptAfter.forEach(k -> stays.add(k.sequence()));
        meta.write(w -> {
            LogBook.putKept(w, published);
            for (KeptPoint k : keptBefore) {
                if (!stays.contains(k.sequence())) {
                    LogBook.expire(w, k);
                }
            }
            LogBook.setNumber(w, LogBook.ROOT_SEQUENCE, point.sequence());
            w.deleteLocal(LogBook.MANIFEST);
            for (String name : w.localNames(LogBook.POINTS)) {
                if (PendingPoint.decode(w.local(name).orElseThrow()).sequence() <= point.sequence()) {
                    w.deleteLocal(name);
                }
            }
            current.filter(RootBody::legacy).ifPresent(old -> {
                // the whole-LMDB snapshots an older release published
                LogBook.markObsolete(w, old.latest().name(), old.latest().ref());
                LogBook.markObsolete(w, old.previous().name(), old.previous().ref());
            });
            return null;
        });
    }

    /**
     * Expired points: their manifest goes, and each segment it lists that no kept point needs. Then every
     * obsolete object is deleted; one that cannot be deleted now is tried again after the next publish.
     */
    private void deleteObsolete() throws InterruptedException {
        List<KeptPoint> kept = meta.read(LogBook::kept);
        meta.write(w -> {
            for (String entry : LogBook.segmentEntries(w)) {
                long owner = LogBook.pointOfSegmentName(entry);
                if (owner <= LogBook.number(w, LogBook.ROOT_SEQUENCE) && kept.stream().noneMatch(k -> k.needs(owner))) {
                    SegmentRef segment = LogBook.segment(w, entry);
                    LogBook.markObsolete(w, segment.name(), segment.ref());
                    w.deleteLocal(entry);
                }
            }
            return null;
        });
        long knownFrom = meta.read(r -> LogBook.number(r, LogBook.KNOWN_FROM));
        for (KeptPoint expired : meta.read(LogBook::expired)) {
            // segments recorded here were handled above; only a point from before a restore needs its manifest read
            Optional<Manifest> manifest = expired.checkpointSequence() < knownFrom ? fetchQuietly(expired) : Optional.empty();
            meta.write(w -> {
                manifest.ifPresent(m -> m.segments().stream()
                        .filter(seg -> kept.stream().noneMatch(k -> k.needs(seg.point())))
                        .forEach(seg -> LogBook.markObsolete(w, seg.name(), seg.ref())));
                LogBook.markObsolete(w, expired.name(), expired.ref());
                w.deleteLocal(LogBook.expiredName(expired.sequence()));
                return null;
            });
        }
        deleteObjects();
    }

    /** An expired point's manifest; empty when it is gone already (or, logged, when it cannot be read now). */
    private Optional<Manifest> fetchQuietly(KeptPoint point) throws InterruptedException {
        Path file = dir.resolve(point.name() + ".expired");
        try {
            Files.createDirectories(dir);
            retry.call(() -> {
                backend.get(point.ref(), file);
                return null;
            });
            return Optional.of(Manifest.decode(cipher.open(Manifest.label(point.name()), Files.readAllBytes(file))));
        } catch (BackendException | IntegrityException | IOException | IllegalArgumentException e) {
            log.warn("cannot read the manifest of expired restore point #{} ({}); its segments stay on the backend",
                    point.sequence(), e.getMessage());
            return Optional.empty();
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // scratch file; the next start clears the directory of unrecorded files
            }
        }
    }

    private void deleteObjects() {
        for (String entry : meta.read(LogBook::obsolete)) {
            String ref = meta.read(r -> r.local(entry).map(v -> new String(v, java.nio.charset.StandardCharsets.UTF_8)))
                    .orElse("");
            try {
                backend.delete(ref);
            } catch (BackendException e) {
                log.warn("could not delete an old metadata object (it only costs space; retried later): {}", e.getMessage());
                continue;
            }
            meta.write(w -> {
                w.deleteLocal(entry);
                return null;
            });
        }
    }

    private String randomName() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static void write(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }
}
