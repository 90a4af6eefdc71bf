package io.tgcryptfs.chunk;

import io.tgcryptfs.backend.local.LocalBlobStore;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.meta.ChunkRecord;
import io.tgcryptfs.meta.PackRecord;
import io.tgcryptfs.meta.PackState;
import io.tgcryptfs.testing.FixtureOptions;
import io.tgcryptfs.testing.TestStores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PackCompactorTest {
    private static final int BS = 4096;

    @TempDir
    Path dir;
    private TestStores stores;
    private PackCompactor compactor;

    @BeforeEach
    void open() {
        stores = TestStores.open(dir, FixtureOptions.defaults().blockSize(BS));
        compactor = new PackCompactor(stores.meta, stores.outbox, stores.cache);
        stores.putFile(10, 64 * BS);
    }

    @AfterEach
    void close() {
        stores.close();
    }

    @Test
    void aMostlyDeadPack_hasItsLiveChunksMoved_keepsRefcounts_andIsRetired() {
        for (int i = 0; i < 8; i++) {
            stores.chunks.seal(10, i, block(i));
        }
        stores.chunks.seal(10, 8, block(0)); // block 8 dedups with block 0: refcount 2
        PackId pack = chunk(10, 0).pack();
        markUploaded(pack);
        for (int i = 1; i < 8; i++) {
            stores.chunks.seal(10, i, new byte[BS]); // holes now: their chunks die
        }

        PackCompactor.Result result = compactor.compact(0.5, Long.MAX_VALUE, line -> { });

        assertEquals(1, result.packsRetired());
        assertEquals(1, result.chunksMoved());
        ChunkRecord moved = chunk(10, 0);
        assertNotEquals(pack, moved.pack());
        assertEquals(2, moved.refcount());
        assertEquals(PackState.RETIRED, stores.meta.read(r -> r.pack(pack)).orElseThrow().state());
        assertEquals(List.of(pack), compactor.retired());
        assertArrayEquals(block(0), stores.newChunkStore(1 << 20).loadBlock(10, 8));
    }

    /** A pass reads the uploaded packs a page at a time: a mostly dead pack past the first page is reached. */
    @Test
    void aMostlyDeadPackPastTheFirstPageOfUploadedPacks_isRetired() {
        stores.meta.write(w -> {
            for (int i = 0; i < 1100; i++) {
                byte[] id = new byte[16];
                id[0] = (byte) (i >> 8);
                id[1] = (byte) i;
                w.putPack(new PackRecord(PackId.of(id), PackState.SEALED, 1000, 1000, null).uploaded("ref" + i));
            }
            byte[] last = new byte[16];
            java.util.Arrays.fill(last, (byte) 0xff);
            w.putPack(new PackRecord(PackId.of(last), PackState.SEALED, 1000, 0, null).uploaded("dead"));
            return null;
        });

        PackCompactor.Result result = compactor.compact(0.5, Long.MAX_VALUE, line -> { });

        byte[] last = new byte[16];
        java.util.Arrays.fill(last, (byte) 0xff);
        assertEquals(1, result.packsRetired());
        assertEquals(List.of(PackId.of(last)), compactor.retired());
    }

    @Test
    void aMostlyLivePack_isLeftAlone() {
        for (int i = 0; i < 4; i++) {
            stores.chunks.seal(10, i, block(i));
        }
        PackId pack = chunk(10, 0).pack();
        markUploaded(pack);

        PackCompactor.Result result = compactor.compact(0.5, Long.MAX_VALUE, line -> { });

        assertEquals(0, result.packsRetired());
        assertEquals(pack, chunk(10, 0).pack());
    }

    @Test
    void deleteRetired_removesTheObjectAndTheRecord() throws Exception {
        stores.chunks.seal(10, 0, block(1));
        PackId pack = chunk(10, 0).pack();
        markUploaded(pack);
        stores.chunks.seal(10, 0, new byte[BS]);
        compactor.compact(0.5, Long.MAX_VALUE, line -> { });
        LocalBlobStore remote = new LocalBlobStore(dir.resolve("remote"));
        Path object = dir.resolve("remote").resolve("objects").resolve("ref-" + pack);
        java.nio.file.Files.write(object, new byte[] {1});

        int n = compactor.deleteRetired(List.of(pack), remote::delete);

        assertEquals(1, n);
        assertFalse(java.nio.file.Files.exists(object), "the backend object is gone");
        assertTrue(stores.meta.read(r -> r.pack(pack)).isEmpty());
    }

    private void markUploaded(PackId pack) {
        stores.outbox.sealOpenPack();
        stores.meta.write(w -> {
            PackRecord p = w.pack(pack).orElseThrow();
            w.putPack(p.uploaded("ref-" + pack));
            return null;
        });
    }

    private ChunkRecord chunk(long ino, long index) {
        return stores.meta.read(r -> r.block(ino, index).flatMap(r::chunk)).orElseThrow();
    }

    private static byte[] block(long seed) {
        byte[] b = new byte[BS];
        new Random(seed + 100).nextBytes(b);
        return b;
    }

}
