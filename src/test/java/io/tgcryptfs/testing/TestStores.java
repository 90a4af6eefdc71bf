package io.tgcryptfs.testing;

import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.chunk.ChunkStore;
import io.tgcryptfs.chunk.Compressor;
import io.tgcryptfs.chunk.Outbox;
import io.tgcryptfs.chunk.PackCache;
import io.tgcryptfs.chunk.PlaintextCache;
import io.tgcryptfs.crypto.KdfParams;
import io.tgcryptfs.crypto.VolumeKeys;
import io.tgcryptfs.crypto.VolumeHeader;
import io.tgcryptfs.fs.FileKind;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.fs.Timestamp;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.lmdb.LmdbMetaStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;

/**
 * The storage layer of a volume without actors: real keys (cheap Argon2), real LMDB, outbox, pack
 * cache and chunk store over a {@link FakeBlobStore} (or the backend given in the options).
 */
public final class TestStores implements AutoCloseable {
    public static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] PASSWORD = "test password".toCharArray();
    private static final String HEADER = "test-volume.header";

    public final Path dir;
    public final FixtureOptions options;
    public final VolumeKeys keys;
    public final MetaStore meta;
    public final BlobStore backend;
    public final Outbox outbox;
    public final PackCache cache;
    public final ChunkStore chunks;

    private TestStores(Path dir, FixtureOptions options, VolumeKeys keys, MetaStore meta, BlobStore backend, Outbox outbox,
                       PackCache cache, ChunkStore chunks) {
        this.dir = dir;
        this.options = options;
        this.keys = keys;
        this.meta = meta;
        this.backend = backend;
        this.outbox = outbox;
        this.cache = cache;
        this.chunks = chunks;
    }

    public static VolumeKeys newKeys(int blockSize) {
        return created(blockSize).keys();
    }

    private static io.tgcryptfs.crypto.NewVolume created(int blockSize) {
        byte[] salt = new byte[KdfParams.SALT_LENGTH];
        RANDOM.nextBytes(salt);
        return VolumeKeys.create(PASSWORD, blockSize, new KdfParams(8192, 1, 1, salt), RANDOM);
    }

    private static VolumeKeys keysOf(Path dir, int blockSize) {
        Path headerFile = dir.resolve(HEADER);
        try {
            if (Files.exists(headerFile)) {
                return VolumeKeys.unlock(VolumeHeader.decode(Files.readAllBytes(headerFile)), PASSWORD, RANDOM);
            }
            io.tgcryptfs.crypto.NewVolume created = created(blockSize);
            Files.createDirectories(dir);
            Files.write(headerFile, created.header().encode());
            return created.keys();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (io.tgcryptfs.crypto.WrongPasswordException | io.tgcryptfs.crypto.IntegrityException e) {
            throw new IllegalStateException("the test volume's header in " + dir + " does not open", e);
        }
    }

    /**
     * The stores of the volume in {@code dir}: its keys come from the header made at its first open, so
     * opening the directory again is a remount that reads what was written before.
     */
    public static TestStores open(Path dir, FixtureOptions options) {
        VolumeKeys keys = keysOf(dir, options.blockSize);
        MetaStore meta = LmdbMetaStore.open(dir.resolve("meta"), 64L << 20);
        try {
            BlobStore backend = options.backend != null ? options.backend : new FakeBlobStore();
            Outbox outbox = new Outbox(dir.resolve("outbox"), meta, keys.metadataCipher(), RANDOM,
                    options.packTargetSize, options.outboxMaxBytes);
            PackCache cache = new PackCache(dir.resolve("outbox"), dir.resolve("cache"), meta, backend,
                    options.cacheMaxBytes, 2, options.metrics, new io.tgcryptfs.backend.Retry(new io.tgcryptfs.backend.Backoff(java.time.Duration.ZERO, java.time.Duration.ZERO, 0), d -> { }, RANDOM, 1, (cause, e) -> { }));
            TestStores stores = new TestStores(dir, options, keys, meta, backend, outbox, cache, null);
            return stores.withChunks(stores.newChunkStore(options.plaintextCacheBytes));
        } catch (IOException e) {
            meta.close();
            keys.close();
            throw new UncheckedIOException(e);
        }
    }

    private TestStores withChunks(ChunkStore chunkStore) {
        return new TestStores(dir, options, keys, meta, backend, outbox, cache, chunkStore);
    }

    /** A chunk store over the same metadata and packs with its own (empty) plaintext cache: reads really decrypt. */
    public ChunkStore newChunkStore(long plaintextCacheBytes) {
        return new ChunkStore(options.blockSize, meta, keys.chunkIds(), keys.chunkCipher(), new Compressor(options.compress),
                outbox, cache, new PlaintextCache(plaintextCacheBytes), options.metrics);
    }

    /** Writes a regular-file inode record directly (for chunk-level tests that need a live file). */
    public void putFile(long ino, long size) {
        Timestamp now = Timestamp.of(Instant.now());
        meta.write(w -> {
            w.putInode(new Inode(ino, FileKind.REGULAR, 0644, 0, 0, 1, size, 0, now, now, now, null));
            return null;
        });
    }

    public long counter(String name) {
        return meta.read(r -> r.counter(name));
    }

    @Override
    public void close() {
        outbox.close();
        cache.close();
        meta.close();
        keys.close();
        if (options.backend == null) { // one the options gave outlives this open: the test closes it
            try {
                backend.close();
            } catch (Exception ignored) {
                // test backend
            }
        }
    }
}
