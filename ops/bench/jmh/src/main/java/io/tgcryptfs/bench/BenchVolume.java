package io.tgcryptfs.bench;

import io.tgcryptfs.backend.Backoff;
import io.tgcryptfs.backend.Retry;
import io.tgcryptfs.backend.local.LocalBlobStore;
import io.tgcryptfs.chunk.ChunkStore;
import io.tgcryptfs.chunk.Compressor;
import io.tgcryptfs.chunk.Outbox;
import io.tgcryptfs.chunk.PackCache;
import io.tgcryptfs.chunk.PackFormat;
import io.tgcryptfs.chunk.PlaintextCache;
import io.tgcryptfs.crypto.KdfParams;
import io.tgcryptfs.crypto.VolumeKeys;
import io.tgcryptfs.fs.FileKind;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.fs.Timestamp;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.lmdb.LmdbMetaStore;
import io.tgcryptfs.metrics.Metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The storage layer of one volume, wired as the mount wires it (real keys, LMDB, outbox, pack cache,
 * chunk store) but without actors or a backend upload, in a fresh directory under java.io.tmpdir.
 * This is the one place that constructs project classes: adapt it when their constructors change.
 */
final class BenchVolume implements AutoCloseable {
    static final int BLOCK = 256 * 1024;
    static final long PACK_TARGET = 16L << 20;   // reference.conf pack.target-size
    static final long INO = 2;

    private static final SecureRandom RANDOM = new SecureRandom();

    final Path dir;
    final VolumeKeys keys;
    final MetaStore meta;
    final Outbox outbox;
    final PackCache packs;
    /** Plaintext cache of 0 bytes: every load really reads the pack and decrypts. */
    final ChunkStore chunks;
    final Compressor compressor = new Compressor(true);

    /**
     * @param dropClosedPacks delete each pack once the outbox closes it and count it as uploaded, so a
     *                        seal benchmark neither fills the disk nor hits the outbox limit
     */
    BenchVolume(String name, boolean dropClosedPacks) throws IOException {
        dir = Files.createTempDirectory("tgcryptfs-bench-" + name + "-");
        byte[] salt = new byte[KdfParams.SALT_LENGTH];
        RANDOM.nextBytes(salt);
        keys = VolumeKeys.create("bench password".toCharArray(), BLOCK, new KdfParams(8192, 1, 1, salt), RANDOM).keys();
        meta = LmdbMetaStore.open(dir.resolve("meta"), 1L << 30);
        Path outboxDir = dir.resolve("outbox");
        outbox = new Outbox(outboxDir, meta, keys.metadataCipher(), RANDOM, PACK_TARGET, Long.MAX_VALUE);
        if (dropClosedPacks) {
            outbox.setListener(pack -> {
                try {
                    Path file = outboxDir.resolve(PackFormat.fileName(pack));
                    long size = Files.size(file);
                    Files.delete(file);
                    outbox.uploaded(pack, size);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        Retry noRetry = new Retry(new Backoff(Duration.ZERO, Duration.ZERO, 0), d -> { }, RANDOM, 1, (cause, e) -> { });
        packs = new PackCache(outboxDir, dir.resolve("cache"), meta, new LocalBlobStore(dir.resolve("backend")),
                1L << 30, 2, Metrics.NONE, noRetry);
        chunks = new ChunkStore(BLOCK, meta, keys.chunkIds(), keys.chunkCipher(), compressor, outbox, packs,
                new PlaintextCache(0), Metrics.NONE);
        Timestamp now = Timestamp.of(java.time.Instant.now());
        meta.write(w -> {
            w.putInode(new Inode(INO, FileKind.REGULAR, 0644, 0, 0, 1, 1L << 40, 0, now, now, now, null));
            return null;
        });
    }

    @Override
    public void close() throws IOException {
        outbox.close();
        meta.close();
        keys.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
