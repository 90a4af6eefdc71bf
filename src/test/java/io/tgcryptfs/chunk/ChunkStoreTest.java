package io.tgcryptfs.chunk;

import io.tgcryptfs.fs.ChunkId;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.meta.ChunkRecord;
import io.tgcryptfs.meta.PackRecord;
import io.tgcryptfs.meta.PackState;
import io.tgcryptfs.testing.FakeBlobStore;
import io.tgcryptfs.testing.FixtureOptions;
import io.tgcryptfs.testing.TestStores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChunkStoreTest {
    private static final int BS = 4096;

    @TempDir
    Path dir;
    private TestStores stores;
    private ChunkStore chunks;

    @BeforeEach
    void open() {
        stores = TestStores.open(dir, FixtureOptions.defaults().blockSize(BS));
        chunks = stores.chunks;
        stores.putFile(10, 16 * BS);
        stores.putFile(11, 16 * BS);
    }

    @AfterEach
    void close() {
        stores.close();
    }

    private static byte[] randomBlock(long seed) {
        byte[] b = new byte[BS];
        new Random(seed).nextBytes(b);
        return b;
    }

    private Optional<ChunkId> blockRef(long ino, long index) {
        return stores.meta.read(r -> r.block(ino, index));
    }

    private ChunkRecord chunkOf(long ino, long index) {
        ChunkId id = blockRef(ino, index).orElseThrow(() -> new AssertionError("no block " + index + " of " + ino));
        return stores.meta.read(r -> r.chunk(id)).orElseThrow(() -> new AssertionError("no chunk record " + id));
    }

    @Test
    void sealOfADeletedFileOrPastTheEnd_storesNothing_notEvenDeadBytesInThePack() {
        stores.meta.write(w -> {
            w.deleteInode(11);
            return null;
        });
        chunks.seal(11, 0, randomBlock(7));
        chunks.seal(10, 16, randomBlock(8)); // the file is 16 blocks long
        assertFalse(stores.outbox.hasOpenPack(), "nothing was appended to a pack");
        assertTrue(blockRef(11, 0).isEmpty());
        assertTrue(blockRef(10, 16).isEmpty());
        assertEquals(0, stores.counter(ChunkStore.STORED_BYTES));
    }

    @Test
    void sealedBlock_loadsBackExactly_throughAFreshCache() {
        byte[] block = randomBlock(1);
        chunks.seal(10, 3, block);
        assertArrayEquals(block, chunks.loadBlock(10, 3));
        assertArrayEquals(block, stores.newChunkStore(1 << 20).loadBlock(10, 3));
    }

    @Test
    void blockWithTrailingZeros_storesOnlyThePrefix_andLoadsAWholeBlock() {
        byte[] block = new byte[BS];
        new Random(2).nextBytes(block);
        java.util.Arrays.fill(block, 1000, BS, (byte) 0);
        block[999] = 7;
        chunks.seal(10, 0, block);
        assertEquals(1000, chunkOf(10, 0).plainLength());
        assertArrayEquals(block, stores.newChunkStore(1 << 20).loadBlock(10, 0));
    }

    @Test
    void equalBlocks_areStoredOnce_withRefcountTwo() {
        byte[] block = randomBlock(3);
        chunks.seal(10, 0, block);
        long storedAfterFirst = stores.counter(ChunkStore.STORED_BYTES);
        long outboxAfterFirst = stores.outbox.waitingBytes();
        chunks.seal(11, 5, block.clone());

        assertEquals(blockRef(10, 0), blockRef(11, 5));
        ChunkRecord record = chunkOf(10, 0);
        assertEquals(2, record.refcount());
        assertEquals(record.sealedLength(), storedAfterFirst);
        assertEquals(storedAfterFirst, stores.counter(ChunkStore.STORED_BYTES), "stored bytes count the chunk once");
        assertEquals(outboxAfterFirst, stores.outbox.waitingBytes(), "the duplicate appended nothing");
        assertEquals(1, stores.meta.read(r -> r.chunksInPack(record.pack())).size());
        assertEquals(2L * BS, stores.counter(ChunkStore.LOGICAL_BYTES));
        assertArrayEquals(block, chunks.loadBlock(11, 5));
    }

    @Test
    void allZeroBlock_isAHole_andStoresNothing() {
        chunks.seal(10, 2, new byte[BS]);
        assertTrue(blockRef(10, 2).isEmpty());
        assertFalse(stores.outbox.hasOpenPack(), "no pack was opened");
        assertEquals(0, stores.counter(ChunkStore.STORED_BYTES));
        assertArrayEquals(new byte[BS], chunks.loadBlock(10, 2));
    }

    @Test
    void allZeroBlock_overAStoredBlock_punchesAHole_andReleasesTheChunk() {
        byte[] block = randomBlock(4);
        chunks.seal(10, 2, block);
        ChunkId id = blockRef(10, 2).orElseThrow();
        chunks.seal(10, 2, new byte[BS]);
        assertTrue(blockRef(10, 2).isEmpty());
        assertTrue(stores.meta.read(r -> r.chunk(id)).isEmpty());
        assertEquals(0, stores.counter(ChunkStore.STORED_BYTES));
        assertArrayEquals(new byte[BS], chunks.loadBlock(10, 2));
    }

    @Test
    void replacingASharedBlock_dropsOneReference() {
        byte[] a = randomBlock(5);
        chunks.seal(10, 0, a);
        chunks.seal(11, 0, a.clone());
        ChunkId idA = blockRef(10, 0).orElseThrow();

        chunks.seal(10, 0, randomBlock(6));
        assertEquals(1, stores.meta.read(r -> r.chunk(idA)).orElseThrow().refcount());
        assertArrayEquals(a, chunks.loadBlock(11, 0));
    }

    @Test
    void replacingTheLastReference_deletesTheChunkRecord_andItsStoredBytes() {
        byte[] a = randomBlock(7);
        byte[] b = randomBlock(8);
        chunks.seal(10, 0, a);
        ChunkRecord recordA = chunkOf(10, 0);
        chunks.seal(10, 0, b);
        ChunkRecord recordB = chunkOf(10, 0);

        assertTrue(stores.meta.read(r -> r.chunk(recordA.id())).isEmpty());
        assertEquals(recordB.sealedLength(), stores.counter(ChunkStore.STORED_BYTES));
        assertEquals(BS, stores.counter(ChunkStore.LOGICAL_BYTES));
        PackRecord pack = stores.meta.read(r -> r.pack(recordB.pack())).orElseThrow();
        assertEquals(recordB.sealedLength(), pack.liveBytes(), "the pack's live bytes no longer count the old chunk");
        assertArrayEquals(b, chunks.loadBlock(10, 0));
    }

    @Test
    void blockBeyondTheFileSize_isDropped() {
        stores.putFile(12, BS + 10); // blocks 0 and 1 are inside, 2 is not
        chunks.seal(12, 1, randomBlock(9));
        chunks.seal(12, 2, randomBlock(10));
        assertTrue(blockRef(12, 1).isPresent());
        assertTrue(blockRef(12, 2).isEmpty());
        assertEquals(1, stores.meta.read(r -> r.blocks(12, 0, Long.MAX_VALUE)).size());
    }

    @Test
    void blockOfADeletedInode_isDropped() {
        chunks.seal(99, 0, randomBlock(11));
        assertTrue(blockRef(99, 0).isEmpty());
        assertEquals(0, stores.counter(ChunkStore.STORED_BYTES));
    }

    @Test
    void dropTail_releasesTheBlocksFromTheGivenIndexUp() {
        for (int i = 0; i < 4; i++) {
            chunks.seal(10, i, randomBlock(20 + i));
        }
        long more = stores.meta.write(w -> chunks.dropTail(w, 10, 2));
        assertEquals(-1, more, "all of the tail in one batch");
        assertEquals(2, stores.meta.read(r -> r.blocks(10, 0, Long.MAX_VALUE)).size());
        assertEquals(2L * BS, stores.counter(ChunkStore.LOGICAL_BYTES));
        assertArrayEquals(new byte[BS], chunks.loadBlock(10, 3));
    }

    @Test
    void corruptedPackByte_inTheOutbox_isAnIntegrityError_neverWrongData() throws Exception {
        byte[] block = randomBlock(12);
        chunks.seal(10, 0, block);
        ChunkRecord record = chunkOf(10, 0);
        flipByte(stores.outbox.dir().resolve(PackFormat.fileName(record.pack())), record.offset() + record.sealedLength() / 2);

        FsException e = assertThrows(FsException.class, () -> stores.newChunkStore(1 << 20).loadBlock(10, 0));
        assertEquals(FsError.INTEGRITY, e.error());
    }

    @Test
    void corruptedCachedPack_isDownloadedAgain_andReadsRight() throws Exception {
        byte[] block = randomBlock(13);
        chunks.seal(10, 0, block);
        ChunkRecord record = chunkOf(10, 0);
        PackId pack = record.pack();
        uploadByHand(pack);
        Path cached = dir.resolve("cache").resolve(PackFormat.fileName(pack));
        assertTrue(Files.exists(cached));
        flipByte(cached, record.offset() + 3);

        FakeBlobStore backend = (FakeBlobStore) stores.backend;
        int getsBefore = backend.gets();
        assertArrayEquals(block, stores.newChunkStore(1 << 20).loadBlock(10, 0));
        assertEquals(getsBefore + 1, backend.gets(), "the damaged copy was fetched again");
    }

    @Test
    void evictedPack_isDownloadedOnRead() throws Exception {
        byte[] block = randomBlock(14);
        chunks.seal(10, 0, block);
        PackId pack = chunkOf(10, 0).pack();
        uploadByHand(pack);
        assertTrue(stores.cache.clear() > 0);

        assertArrayEquals(block, stores.newChunkStore(1 << 20).loadBlock(10, 0));
        assertEquals(1, ((FakeBlobStore) stores.backend).gets());
    }

    /** What the upload pipeline does for one pack, without it. */
    private void uploadByHand(PackId pack) throws Exception {
        stores.outbox.sealOpenPack();
        Path file = stores.outbox.dir().resolve(PackFormat.fileName(pack));
        String ref = stores.backend.put(pack.hex(), file);
        stores.meta.write(w -> {
            w.putPack(w.pack(pack).orElseThrow().uploaded(ref));
            return null;
        });
        assertEquals(PackState.UPLOADED, stores.meta.read(r -> r.pack(pack)).orElseThrow().state());
        stores.outbox.uploaded(pack, Files.size(file));
        stores.cache.adoptUploaded(pack);
    }

    private static void flipByte(Path file, long position) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, position);
            one.flip();
            byte b = one.get();
            ch.write(ByteBuffer.wrap(new byte[] {(byte) (b ^ 0x10)}), position);
        }
    }

    @org.junit.jupiter.api.Test
    void trimmedLength_dropsExactlyTheTrailingZeros_atEveryAlignment() {
        for (int size : new int[] {0, 1, 7, 8, 9, 63, 64, 4096}) {
            for (int last = -1; last < size; last++) {
                byte[] block = new byte[size];
                if (last >= 0) {
                    block[last] = 5;
                    if (last > 0) {
                        block[0] = 1;
                    }
                }
                org.junit.jupiter.api.Assertions.assertEquals(last + 1, ChunkStore.trimmedLength(block),
                        "size " + size + ", last non-zero byte at " + last);
            }
        }
    }
}
