package io.tgcryptfs.volume;

import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.crypto.IntegrityException;
import io.tgcryptfs.crypto.MetadataCipher;
import io.tgcryptfs.meta.MetaStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Optional;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

/**
 * Encrypted metadata snapshots on the backend. A snapshot is published only after every pack it
 * references is uploaded (the caller drains the upload pipeline first), and the root record is
 * replaced last, so the root always names a complete, restorable state.
 */
public final class MetadataBackup {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MetadataBackup.class);
    private static final String DATA_FILE = "data.mdb";

    private final BlobStore backend;
    private final MetadataCipher cipher;
    private final byte[] header;
    private final RandomGenerator random;
    private final Path scratch;

    public MetadataBackup(BlobStore backend, MetadataCipher cipher, byte[] header, RandomGenerator random, Path scratch) {
        this.backend = backend;
        this.cipher = cipher;
        this.header = header.clone();
        this.random = random;
        this.scratch = scratch;
    }

    /** A published snapshot: the root's sequence number before and after. */
    public record Published(long previousSequence, long sequence) {
    }

    /**
     * Uploads a snapshot of {@code meta} and points the root record at it, if {@code complete} accepts
     * the copy (every pack it references is uploaded); its sequence number is above both the backend's
     * and {@code lastPublished}. Returns what it published, if it did.
     */
    public Optional<Published> backup(MetaStore meta, java.util.function.Predicate<Path> complete, long lastPublished)
            throws IOException, BackendException, IntegrityException {
        RootBody previous = currentBody().orElse(RootBody.EMPTY);
        Path copy = scratch.resolve("snapshot-" + randomHex(8));
        try {
            meta.copyTo(copy);
            if (!complete.test(copy)) {
                return Optional.empty();
            }
            byte[] plain = Files.readAllBytes(copy.resolve(DATA_FILE));
            String name = randomHex(16);
            String label = "meta-snapshot:" + name;
            Path sealed = copy.resolve("sealed");
            Files.write(sealed, cipher.seal(label, plain));
            String ref = backend.put(name, sealed);
            // never number a snapshot below one this machine already published, even over a replayed root
            RootBody body = previous.advance(new RootBody.Snapshot(ref, label), lastPublished);
            backend.putRoot(new RootRecord(header, cipher.seal(RootRecord.BODY_LABEL, body.encode())).encode());
            // the root now names the new snapshot and keeps the one before as a fallback: older ones go
            deleteQuietly(previous.previous());
            return Optional.of(new Published(previous.sequence(), body.sequence()));
        } finally {
            deleteTree(copy);
        }
    }

    /** Publishes a root record with no snapshot yet (a new volume), so the header is on the backend. */
    public void publishEmptyRoot() throws BackendException {
        backend.putRoot(new RootRecord(header, cipher.seal(RootRecord.BODY_LABEL, RootBody.EMPTY.encode())).encode());
    }

    /**
     * Writes the latest snapshot's LMDB file into {@code metaDir}, or the one before it if the latest
     * cannot be fetched or fails authentication; false if there is none.
     */
    public boolean restoreInto(Path metaDir) throws IOException, BackendException, IntegrityException {
        Optional<RootBody> body = currentBody();
        if (body.isEmpty() || !body.get().latest().exists()) {
            return false;
        }
        try {
            restore(body.get().latest(), metaDir);
        } catch (BackendException | IntegrityException e) {
            if (!body.get().previous().exists()) {
                throw e;
            }
            log.warn("the latest metadata snapshot cannot be used ({}); restoring the one before it", e.getMessage());
            restore(body.get().previous(), metaDir);
        }
        return true;
    }

    private void restore(RootBody.Snapshot snapshot, Path metaDir) throws IOException, BackendException, IntegrityException {
        Files.createDirectories(scratch);
        Path download = scratch.resolve("restore-" + randomHex(8));
        try {
            backend.get(snapshot.ref(), download);
            byte[] plain = cipher.open(snapshot.label(), Files.readAllBytes(download));
            Files.createDirectories(metaDir);
            Files.write(metaDir.resolve(DATA_FILE), plain);
        } finally {
            Files.deleteIfExists(download);
        }
    }

    private void deleteQuietly(RootBody.Snapshot snapshot) {
        if (!snapshot.exists()) {
            return;
        }
        try {
            backend.delete(snapshot.ref());
        } catch (BackendException e) {
            log.warn("could not delete an old metadata snapshot (it only costs space): {}", e.getMessage());
        }
    }

    /** The sequence number of the root record on the backend now (0 for none). */
    public long currentSequence() throws BackendException, IntegrityException {
        return currentBody().map(RootBody::sequence).orElse(0L);
    }

    private Optional<RootBody> currentBody() throws BackendException, IntegrityException {
        Optional<byte[]> root = backend.getRoot();
        if (root.isEmpty()) {
            return Optional.empty();
        }
        RootRecord record = RootRecord.decode(root.get());
        return Optional.of(RootBody.decode(cipher.open(RootRecord.BODY_LABEL, record.sealedBody())));
    }

    private String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
