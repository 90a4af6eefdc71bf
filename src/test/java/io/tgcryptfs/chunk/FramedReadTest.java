package io.tgcryptfs.chunk;

import io.tgcryptfs.crypto.Version1Chunks;
import io.tgcryptfs.fs.ChunkId;
import io.tgcryptfs.meta.ChunkRecord;
import io.tgcryptfs.metrics.Metrics;
import io.tgcryptfs.testing.FixtureOptions;
import io.tgcryptfs.testing.TestStores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Small reads of big blocks decrypt only the frames they cover; chunks written before frames still read. */
class FramedReadTest {
    private static final int BS = 256 << 10;
    private static final int FRAME = 1 << ChunkFormat.FRAME_SHIFT;
    private static final long INO = 20;

    @TempDir
    Path dir;
    private TestStores stores;

    @BeforeEach
    void open() {
        stores = TestStores.open(dir, FixtureOptions.defaults().blockSize(BS));
        stores.putFile(INO, 4L * BS);
    }

    @AfterEach
    void close() {
        stores.close();
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private ChunkStore storeWith(PlaintextCache cache) {
        return new ChunkStore(BS, stores.meta, stores.keys.chunkIds(), stores.keys.chunkCipher(), new Compressor(true),
                stores.outbox, stores.cache, cache, Metrics.NONE);
    }

    private ChunkId blockId(long index) {
        return stores.meta.read(r -> r.block(INO, index)).orElseThrow();
    }

    @Test
    void smallRead_decryptsAndCachesOnlyTheFrameItCovers() {
        byte[] block = random(BS, 1);
        stores.chunks.seal(INO, 1, block);
        PlaintextCache cache = new PlaintextCache(64L << 20);
        byte[] out = new byte[4096];
        storeWith(cache).readBlock(INO, 1, 3 * FRAME + 100, out, 0, out.length);
        assertArrayEquals(Arrays.copyOfRange(block, 3 * FRAME + 100, 3 * FRAME + 100 + 4096), out);
        assertEquals(FRAME, cache.bytes());
        assertNotNull(cache.get(new PlaintextCache.Key(blockId(1), 3)));
    }

    @Test
    void aReadCoveringWholeFrames_cachesOnlyTheFramesItCoversInPart() {
        byte[] block = random(BS, 4);
        stores.chunks.seal(INO, 1, block);
        PlaintextCache cache = new PlaintextCache(64L << 20);
        byte[] out = new byte[4 * FRAME];
        storeWith(cache).readBlock(INO, 1, 2 * FRAME + 100, out, 0, out.length);
        assertArrayEquals(Arrays.copyOfRange(block, 2 * FRAME + 100, 6 * FRAME + 100), out);
        assertEquals(2 * FRAME, cache.bytes(), "frames 3-5 were read whole: a sequential reader moves on");
        assertNotNull(cache.get(new PlaintextCache.Key(blockId(1), 2)));
        assertNotNull(cache.get(new PlaintextCache.Key(blockId(1), 6)));
    }

    @Test
    void readAcrossFrames_andPastTheStoredLength_returnsTheBlockWithZeros() {
        byte[] block = random(BS, 2);
        Arrays.fill(block, 5 * FRAME + 10, BS, (byte) 0);
        stores.chunks.seal(INO, 0, block);
        PlaintextCache cache = new PlaintextCache(64L << 20);
        ChunkStore chunks = storeWith(cache);
        byte[] out = new byte[3 * FRAME];
        chunks.readBlock(INO, 0, 4 * FRAME - 7, out, 0, out.length);
        assertArrayEquals(Arrays.copyOfRange(block, 4 * FRAME - 7, 7 * FRAME - 7), out);
        assertNull(cache.get(new PlaintextCache.Key(blockId(0), 6)), "no frame is stored past the trimmed length");
        assertArrayEquals(block, chunks.loadBlock(INO, 0));
    }

    /**
     * Whole frames are decrypted straight into the caller's buffer, which a FUSE worker reuses from read to
     * read: every byte of the range is written (cached, decrypted, decompressed or zero past the stored
     * length) and none outside it.
     */
    @Test
    void aReadIntoAReusedBuffer_writesItsWholeRangeAndNothingElse() {
        byte[] block = random(BS, 6);
        byte[] text = "a compressible line of text\n".repeat(1000).getBytes();
        System.arraycopy(text, 0, block, 6 * FRAME, 2 * FRAME); // frames 6-7 compress
        Arrays.fill(block, 9 * FRAME + 500, BS, (byte) 0);      // stored length ends in frame 9
        stores.chunks.seal(INO, 2, block);
        PlaintextCache cache = new PlaintextCache(64L << 20);
        ChunkStore chunks = storeWith(cache);
        chunks.readBlock(INO, 2, 4 * FRAME + 10, new byte[100], 0, 100); // frame 4 cached, in the middle of the next read
        int from = 2 * FRAME + 300;
        int length = 10 * FRAME;
        byte[] out = new byte[length + 2 * 4096];
        Arrays.fill(out, (byte) 0x5A);
        chunks.readBlock(INO, 2, from, out, 4096, length);
        assertArrayEquals(Arrays.copyOfRange(block, from, from + length), Arrays.copyOfRange(out, 4096, 4096 + length));
        byte[] untouched = new byte[4096];
        Arrays.fill(untouched, (byte) 0x5A);
        assertArrayEquals(untouched, Arrays.copyOfRange(out, 0, 4096));
        assertArrayEquals(untouched, Arrays.copyOfRange(out, 4096 + length, out.length));
    }

    @Test
    void chunkInFormat1_writtenBeforeFrames_readsWholeAndInPieces() {
        byte[] plain = random(BS - 1000, 3);
        ChunkId id = stores.keys.chunkIds().idOf(plain, 0, plain.length);
        byte[] sealed = Version1Chunks.seal(stores.keys.chunkCipher(), id, 0, plain, plain.length);
        ChunkLocation at = stores.outbox.append(id, sealed, plain.length);
        stores.meta.write(w -> {
            w.putChunk(new ChunkRecord(id, at.pack(), at.offset(), at.sealedLength(), plain.length, 1));
            w.putBlock(INO, 2, id);
            return null;
        });
        byte[] expected = Arrays.copyOf(plain, BS);
        assertArrayEquals(expected, storeWith(new PlaintextCache(64L << 20)).loadBlock(INO, 2));
        byte[] out = new byte[5000];
        storeWith(new PlaintextCache(64L << 20)).readBlock(INO, 2, BS - 6000, out, 0, out.length);
        assertArrayEquals(Arrays.copyOfRange(expected, BS - 6000, BS - 1000), out);
    }
}
