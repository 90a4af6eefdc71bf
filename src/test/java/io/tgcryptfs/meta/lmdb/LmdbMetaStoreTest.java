package io.tgcryptfs.meta.lmdb;

import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.meta.ChunkRecord;
import io.tgcryptfs.meta.MetaRecord;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.MetaStoreContract;
import io.tgcryptfs.meta.PackRecord;
import io.tgcryptfs.meta.PackState;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LmdbMetaStoreTest extends MetaStoreContract {
    private static final long MAP_SIZE = 64L << 20;

    @Override
    protected MetaStore open(Path directory) {
        return LmdbMetaStore.open(directory, MAP_SIZE);
    }

    @Test
    void open_createsAMissingDirectory() {
        Path nested = dir.resolve("a/b/meta");
        try (LmdbMetaStore other = LmdbMetaStore.open(nested, MAP_SIZE)) {
            other.write(w -> {
                w.setCounter("x", 1);
                return null;
            });
            assertTrue(Files.isRegularFile(nested.resolve("data.mdb")));
        }
    }

    @Test
    void data_survivesCloseAndReopen() {
        Inode root = regular(1);
        store.write(w -> {
            w.putInode(root);
            w.putEntry(1, "file", 2);
            w.putXattr(1, "user.k", new byte[] {4, 2});
            w.putBlock(2, 0, chunkId(0));
            w.putChunk(new ChunkRecord(chunkId(0), packId(1), 0, 10, 5, 1));
            w.putPack(new PackRecord(packId(1), PackState.SEALED, 10, 10, null));
            w.setCounter("next-ino", 3);
            w.addOrphan(2);
            return null;
        });
        store.sync();
        store.close();

        store = open(dir);

        store.read(r -> {
            assertEquals(Optional.of(root), r.inode(1));
            assertEquals(OptionalLong.of(2), r.lookup(1, "file"));
            assertArrayEquals(new byte[] {4, 2}, r.xattr(1, "user.k").orElseThrow());
            assertEquals(Optional.of(chunkId(0)), r.block(2, 0));
            assertEquals(1, r.chunksInPack(packId(1)).size());
            assertEquals(1, r.packs(PackState.SEALED).size());
            assertEquals(3, r.counter("next-ino"));
            assertEquals(List.of(2L), r.orphans());
            return null;
        });
    }

    @Test
    void close_isIdempotent_andLaterCallsFailWithIo() {
        store.close();
        store.close();

        assertError(FsError.IO, () -> store.read(r -> r.counter("x")));
        assertError(FsError.IO, () -> store.write(w -> w.addToCounter("x", 1)));
    }

    @Test
    void aTinyMapFillingUp_surfacesNoSpace_andTheStoreStaysReadable() {
        store.close();
        Path small = dir.resolve("small");
        store = LmdbMetaStore.open(small, 1L << 20);
        byte[] value = new byte[64 * 1024];

        int committed = 0;
        FsException full = null;
        for (int ino = 1; ino <= 1000 && full == null; ino++) {
            long i = ino;
            try {
                store.write(w -> {
                    w.putInode(regular(i));
                    w.putXattr(i, "user.fill", value);
                    return null;
                });
                committed++;
            } catch (FsException e) {
                full = e;
            }
        }

        assertTrue(full != null, "a 1 MiB map must fill up");
        assertEquals(FsError.NO_SPACE, full.error());
        assertTrue(committed > 0);
        int last = committed;
        store.read(r -> {
            for (long ino = 1; ino <= last; ino++) {
                assertEquals(value.length, r.xattr(ino, "user.fill").orElseThrow().length);
            }
            assertEquals(Optional.empty(), r.inode(last + 1), "the failed write left nothing behind");
            return null;
        });
        assertError(FsError.NO_SPACE, () -> store.write(w -> {
            w.putXattr(1, "user.more", value);
            return null;
        }));
        assertTrue(store.usedBytes() <= 1L << 20);
    }

    @Test
    void usedBytes_growsAsMetadataIsWritten() {
        long before = store.usedBytes();
        store.write(w -> {
            for (int i = 0; i < 200; i++) {
                w.putXattr(i, "user.v", new byte[4096]);
            }
            return null;
        });
        store.sync();

        assertTrue(store.usedBytes() > before + 200 * 4096, store.usedBytes() + " after, " + before + " before");
    }

    @Test
    void aWriteInsideAWriteOnTheSameThread_isRejectedInsteadOfDeadlocking() {
        assertThrows(IllegalStateException.class, () -> store.write(outer -> {
            outer.setCounter("outer", 1);
            return store.write(inner -> null);
        }));

        assertEquals(0L, store.<Long>read(r -> r.counter("outer")));
        assertEquals(1L, store.<Long>write(w -> w.addToCounter("after", 1)), "the store still takes writes");
    }

    @Test
    void aReadInsideAWrite_seesTheLastCommittedState() {
        store.write(w -> {
            w.setCounter("n", 1);
            return null;
        });

        long seenInside = store.write(w -> {
            w.setCounter("n", 2);
            return store.read(r -> r.counter("n"));
        });

        assertEquals(1, seenInside);
        assertEquals(2L, store.<Long>read(r -> r.counter("n")));
    }

    @Test
    void aReadAfterACommit_seesIt_thoughReadTransactionsAreReused() {
        for (int i = 1; i <= 3 * ReadTxnPool.KEPT; i++) {
            long value = i;
            store.write(w -> {
                w.setCounter("c", value);
                return null;
            });
            assertEquals(value, (long) store.read(r -> r.counter("c")));
        }
    }

    @Test
    void readsOnMoreThreadsThanTransactionsKept_allSucceed_andTheStoreClosesAndReopens() throws Exception {
        store.write(w -> {
            w.setCounter("c", 7);
            return null;
        });
        int threads = ReadTxnPool.KEPT * 2;
        var start = new java.util.concurrent.CountDownLatch(1);
        var inside = new java.util.concurrent.CountDownLatch(threads);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<Long>> reads = new java.util.ArrayList<>();
            for (int i = 0; i < threads; i++) {
                // every read holds its transaction until all are open at once, so none can be reused
                reads.add(pool.submit(() -> store.read(r -> {
                    inside.countDown();
                    await(start);
                    return r.counter("c");
                })));
            }
            assertTrue(inside.await(30, java.util.concurrent.TimeUnit.SECONDS));
            start.countDown();
            for (var read : reads) {
                assertEquals(7L, read.get(30, java.util.concurrent.TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        store.close();
        try (LmdbMetaStore reopened = LmdbMetaStore.open(dir, MAP_SIZE)) {
            assertEquals(7L, (long) reopened.read(r -> r.counter("c")));
        }
    }

    private static void await(java.util.concurrent.CountDownLatch latch) {
        try {
            if (!latch.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("timed out");
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void xattrValuesOver64KiB_areRejectedAsTooBig() {
        assertError(FsError.TOO_BIG, () -> store.write(w -> {
            w.putXattr(1, "user.huge", new byte[64 * 1024 + 1]);
            return null;
        }));
    }

    @Test
    void aValueInAnUnknownFormat_isAnIntegrityError() {
        byte[] encoded = Codecs.encodeInode(regular(5));
        encoded[0] = 99;

        FsException e = assertThrows(FsException.class, () -> Codecs.decodeInode(5, encoded));
        assertEquals(FsError.INTEGRITY, e.error());
    }

    @Test
    void aTruncatedValue_isAnIntegrityError() {
        byte[] encoded = Codecs.encodeInode(regular(5));
        byte[] truncated = java.util.Arrays.copyOf(encoded, encoded.length - 3);

        FsException e = assertThrows(FsException.class, () -> Codecs.decodeInode(5, truncated));
        assertEquals(FsError.INTEGRITY, e.error());
    }
    @Test
    void aKeyChangedTwiceInOneGeneration_isShippedOnce_withItsLastValue() throws Exception {
        store.forgetChanges(store.capture(view -> view.generation())); // what opening the store wrote
        store.write(w -> {
            w.setCounter("n", 1);
            return null;
        });
        store.write(w -> {
            w.setCounter("n", 2);
            return null;
        });
        List<MetaRecord> changes = changes();
        assertEquals(1, changes.size());
        assertArrayEquals(Codecs.encodeLong(2), changes.get(0).value());
    }

    @Test
    void aKeyChangedAgainAfterACapture_isAmongTheNextCapturesChanges() throws Exception {
        store.write(w -> {
            w.setCounter("n", 1);
            w.setCounter("other", 1);
            return null;
        });
        long first = store.capture(view -> view.generation());
        store.forgetChanges(first);
        store.write(w -> {
            w.setCounter("n", 2);
            return null;
        });
        List<MetaRecord> changes = changes();
        assertEquals(1, changes.size(), "only what changed since the capture");
        assertArrayEquals(Keys.counter("n"), changes.get(0).key());
        assertArrayEquals(Codecs.encodeLong(2), changes.get(0).value());
    }

    @Test
    void aCounterBackAtZero_isDeleted_andReplicatedAsADeletion() throws Exception {
        store.write(w -> w.addToCounter("blocks/7", 2));
        store.forgetChanges(store.capture(view -> view.generation()));
        store.write(w -> {
            w.addToCounter("blocks/7", -1);
            return w.addToCounter("blocks/7", -1);
        });
        assertEquals(0L, store.<Long>read(r -> r.counter("blocks/7")));
        List<MetaRecord> changes = changes();
        assertEquals(1, changes.size());
        assertArrayEquals(Keys.counter("blocks/7"), changes.get(0).key());
        assertTrue(changes.get(0).deleted(), "the key is gone, not kept at 0");
    }

    private List<MetaRecord> changes() throws java.io.IOException {
        return store.capture(view -> {
            List<MetaRecord> out = new java.util.ArrayList<>();
            view.changes(out::add);
            return out;
        });
    }
}
