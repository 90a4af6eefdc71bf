package io.tgcryptfs.backup;

import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.crypto.IntegrityException;
import io.tgcryptfs.crypto.MetadataCipher;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.PackRecord;
import io.tgcryptfs.meta.PackState;
import io.tgcryptfs.pipeline.Retry;
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

    /**
     * @param sealOpenPack closes the outbox's open pack, when a point waits for a pack that is still open
     * @param rollbackSeen told when the backend's root is older than the last one published here
     */
    public PointPublisher(MetaStore meta, BlobStore backend, MetadataCipher cipher, byte[] header, Path dir,
                          RandomGenerator random, Retry retry, Runnable sealOpenPack, Runnable rollbackSeen) {
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
        uploadSegmentsUpTo(point.sequence());
        Manifest manifest = manifestOf(point);
        LogBook.UploadedManifest uploaded = uploadManifest(point, manifest);
        publishRoot(point, uploaded);
        deleteObsolete();
        return OptionalLong.of(point.sequence());
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

    private void uploadSegmentsUpTo(long sequence) throws BackendException, IOException, InterruptedException {
        List<String> entries = meta.read(LogBook::segmentEntries);
        for (String entry : entries) {
            if (LogBook.pointOfSegmentName(entry) > sequence) {
                break;
            }
            SegmentRef segment = meta.read(r -> LogBook.segment(r, entry));
            if (segment.isUploaded()) {
                continue;
            }
            Path file = SegmentWriter.fileOf(dir, segment.name());
            String ref = retry.call(() -> backend.put(segment.name(), file));
            meta.write(w -> {
                LogBook.putSegment(w, entry, segment.uploaded(ref));
                return null;
            });
            Files.deleteIfExists(file);
        }
    }

    private Manifest manifestOf(PendingPoint point) {
        return meta.read(r -> {
            List<PackFix> fixes = new ArrayList<>();
            for (PendingPoint.PendingPack p : point.packs()) {
                r.pack(p.id()).filter(rec -> rec.remoteRef() != null)
                        .ifPresent(rec -> fixes.add(new PackFix(p.id(), rec.size(), p.liveBytes(), rec.remoteRef())));
            }
            return new Manifest(point.sequence(), point.createdMillis(), point.checkpointSequence(), point.stats(),
                    LogBook.segments(r, point.checkpointSequence(), point.sequence()), fixes);
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

    private void publishRoot(PendingPoint point, LogBook.UploadedManifest manifest)
            throws BackendException, IntegrityException, InterruptedException, NewerRootException {
        LogBook.PublishedPair published = meta.read(LogBook::published);
        long lastPublished = meta.read(r -> LogBook.number(r, LogBook.ROOT_SEQUENCE));
        Optional<RootBody> current = RootRecord.readBody(retry.call(backend::getRoot), cipher);
        long backendSequence = current.map(RootBody::sequence).orElse(0L);
        if (backendSequence > lastPublished) {
            throw new NewerRootException("the backend holds restore point #" + backendSequence
                    + ", newer than #" + lastPublished + ", the last one this machine published or restored "
                    + "(another machine writes to this volume, or this one was restored from an older point); "
                    + "not publishing over it");
        }
        if (backendSequence < lastPublished) {
            rollbackSeen.run();
            log.error("the backend's root record (restore point #{}) is older than the last one this machine published "
                    + "(#{}): it was replayed or rolled back; publishing #{} replaces it", backendSequence, lastPublished,
                    point.sequence());
        }
        RootBody.PointRef next = new RootBody.PointRef(point.sequence(), manifest.ref(), manifest.name(),
                manifest.createdMillis());
        RootBody body = new RootBody(RootBody.VERSION, point.sequence(), next, published.latest().point());
        byte[] root = RootRecord.seal(header, body, cipher);
        retry.call(() -> {
            backend.putRoot(root);
            return null;
        });
        LogBook.Published now = new LogBook.Published(next, point.checkpointSequence());
        meta.write(w -> {
            LogBook.setPublished(w, new LogBook.PublishedPair(now, published.latest()));
            LogBook.setNumber(w, LogBook.ROOT_SEQUENCE, point.sequence());
            w.deleteLocal(LogBook.MANIFEST);
            for (String name : w.localNames(LogBook.POINTS)) {
                if (PendingPoint.decode(w.local(name).orElseThrow()).sequence() <= point.sequence()) {
                    w.deleteLocal(name);
                }
            }
            // what only the point that just stopped being the fallback needed
            RootBody.PointRef dropped = published.previous().point();
            LogBook.markObsolete(w, dropped.name(), dropped.ref());
            long keepFrom = Math.min(now.checkpointSequence(), published.latest().point().exists()
                    ? published.latest().checkpointSequence() : now.checkpointSequence());
            for (String entry : LogBook.segmentEntries(w)) {
                if (LogBook.pointOfSegmentName(entry) >= keepFrom) {
                    break;
                }
                SegmentRef s = LogBook.segment(w, entry);
                LogBook.markObsolete(w, s.name(), s.ref());
                w.deleteLocal(entry);
            }
            current.filter(RootBody::legacy).ifPresent(old -> {
                // the whole-LMDB snapshots an older release published
                LogBook.markObsolete(w, old.latest().name(), old.latest().ref());
                LogBook.markObsolete(w, old.previous().name(), old.previous().ref());
            });
            return null;
        });
    }

    /** Deletes objects no kept point needs; one that cannot be deleted now is tried again after the next publish. */
    private void deleteObsolete() {
        for (String entry : meta.read(LogBook::obsolete)) {
            String ref = meta.read(r -> r.local(entry).map(v -> new String(v, java.nio.charset.StandardCharsets.UTF_8)))
                    .orElse("");
            try {
                backend.delete(ref);
            } catch (BackendException e) {
                if (e.kind() != BackendException.Kind.NOT_FOUND) {
                    log.warn("could not delete an old metadata object (it only costs space; retried later): {}", e.getMessage());
                    continue;
                }
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
