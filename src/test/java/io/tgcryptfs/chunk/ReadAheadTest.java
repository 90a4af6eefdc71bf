package io.tgcryptfs.chunk;

import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.meta.PackRecord;
import io.tgcryptfs.meta.PackState;
import io.tgcryptfs.testing.FakeBlobStore;
import io.tgcryptfs.testing.FixtureOptions;
import io.tgcryptfs.testing.TestStores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ReadAheadTest {
    private static final int BS = 4096;

    @TempDir
    Path dir;
    private TestStores stores;
    private FakeBlobStore backend;

    @BeforeEach
    void open() {
        stores = TestStores.open(dir, FixtureOptions.defaults().blockSize(BS).packTargetSize(2 * BS));
        backend = (FakeBlobStore) stores.backend;
        stores.putFile(10, 16 * BS);
    }

    @AfterEach
    void close() {
        stores.close();
    }

    @Test
    void prefetchAfter_fetchesThePacksOfTheNextBlocks_soReadingThemDownloadsNothingMore() throws Exception {
        for (int i = 0; i < 8; i++) {
            stores.chunks.seal(10, i, block(i));
        }
        stores.outbox.sealOpenPack();
        int packs = uploadEverythingAndForgetLocalCopies();

        long packsAhead = stores.meta.read(r -> r.blocks(10, 1, 8).stream()
                .map(b -> r.chunk(b.chunk()).orElseThrow().pack()).distinct().count());
        assertEquals(packs, packsAhead, "blocks 1-7 spread over every pack (two blocks a pack)");

        stores.chunks.prefetchAfter(10, 0, 7, Runnable::run);

        assertEquals(packs, backend.gets(), "the packs of blocks 1-7 were fetched ahead");
        ChunkStore fresh = stores.newChunkStore(1 << 20);
        for (int i = 1; i < 8; i++) {
            assertArrayEquals(block(i), fresh.loadBlock(10, i));
        }
        assertEquals(packs, backend.gets(), "the reads found them local");
    }

    private int uploadEverythingAndForgetLocalCopies() throws Exception {
        int n = 0;
        for (PackRecord p : stores.meta.read(r -> r.packs(PackState.SEALED))) {
            Path file = stores.outbox.dir().resolve(PackFormat.fileName(p.id()));
            String ref = backend.put(p.id().hex(), file);
            PackId id = p.id();
            stores.meta.write(w -> {
                w.putPack(w.pack(id).orElseThrow().uploaded(ref));
                return null;
            });
            Files.delete(file);
            n++;
        }
        return n;
    }

    private static byte[] block(long seed) {
        byte[] b = new byte[BS];
        new Random(seed + 7).nextBytes(b);
        return b;
    }
}
