package io.tgcryptfs.gateway;

import io.tgcryptfs.chunk.ChunkStore;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.meta.PackState;
import io.tgcryptfs.testing.Await;
import io.tgcryptfs.testing.FakeBlobStore;
import io.tgcryptfs.testing.FixtureOptions;
import io.tgcryptfs.testing.VolumeFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** File contents through the gateway, as FUSE would drive them. Blocks of 4 KiB, bands of 16 KiB. */
class FsGatewayFileDataTest extends VolumeFixture {
    private static final int BS = 4096;
    private static final int BAND = 4 * BS;

    FsGatewayFileDataTest() {
        super(2024);
    }

    @BeforeEach
    void open() {
        openVolume(FixtureOptions.defaults().blockSize(BS).bandSize(BAND));
    }

    static void assertFsError(FsError expected, Executable call) {
        FsException e = assertThrows(FsException.class, call);
        assertEquals(expected, e.error(), e.getMessage());
    }

    @Test
    void sealAndHoldWrites_leavesEveryWrittenByteInLmdb_untilItIsReleased() throws Exception {
        byte[] data = bytes(2 * BAND + 100); // a partial last block: nothing seals it on its own
        long h = gw.create("/open-1", 0644, Caller.ROOT);
        for (int at = data.length - BS; at > -BS; at -= BS) { // backwards: no stream, nothing sealed eagerly
            int from = Math.max(0, at);
            gw.write(h, from, Arrays.copyOfRange(data, from, Math.min(data.length, at + BS)));
        }
        long ino = gw.getattr(h).ino();
        Runnable release = gw.sealAndHoldWrites();
        try {
            // what a restore point's view sees: LMDB alone, with the file still open and unsynced
            long blocks = (data.length + BS - 1) / BS;
            assertEquals(blocks, vol.stores.meta.read(r -> r.blocks(ino, 0, Long.MAX_VALUE)).size());
            assertEquals(data.length, vol.stores.meta.read(r -> r.inode(ino)).orElseThrow().size());
        } finally {
            release.run();
        }
        assertArrayEquals(data, vol.readFile("/open-1"));
        gw.release(h);
    }

    @Test
    void wholeBlocksWrittenWithTheCopyingOverload_doNotChangeWithTheCallersArray() throws Exception {
        long h = gw.create("/kept", 0644, Caller.ROOT);
        byte[] block = bytes(BS);
        byte[] expected = block.clone();
        gw.write(h, 0, block);  // a whole aligned block: the bands may keep the array they are given
        gw.write(h, BS, block);
        Arrays.fill(block, (byte) 0x5a);
        byte[] twice = new byte[2 * BS];
        System.arraycopy(expected, 0, twice, 0, BS);
        System.arraycopy(expected, 0, twice, BS, BS);
        assertArrayEquals(twice, gw.read(h, 0, 2 * BS));
        gw.fsync(h);
        gw.release(h);
        assertArrayEquals(twice, vol.readFile("/kept"));
    }

    @Test
    void aWriteWhileWritesAreHeld_waitsForTheRelease() throws Exception {
        long h = gw.create("/held", 0644, Caller.ROOT);
        byte[] data = bytes(100);
        Runnable release = gw.sealAndHoldWrites();
        java.util.concurrent.CompletableFuture<Void> written = new java.util.concurrent.CompletableFuture<>();
        Thread writer = new Thread(() -> {
            try {
                gw.write(h, 0, data);
                written.complete(null);
            } catch (RuntimeException e) {
                written.completeExceptionally(e);
            }
        }, "held-writer");
        try {
            writer.start();
            Await.until(() -> Arrays.stream(writer.getStackTrace())
                            .anyMatch(f -> f.getClassName().equals(java.util.concurrent.locks.StampedLock.class.getName())),
                    "the writer to wait at the write gate");
            assertFalse(written.isDone());
            assertEquals(0, gw.getattr(h).size(), "a held write moves no size");
        } finally {
            release.run();
            release.run(); // twice is harmless
        }
        Await.result(written);
        assertArrayEquals(data, gw.read(h, 0, 100));
        gw.release(h);
    }

    /**
     * GNU tar --sparse archives a file that shows no blocks as all holes, without reading it: a file that
     * may hold data not stored yet (open, or unsealed) must never show none. Once stored and closed, only
     * what is stored counts.
     */
    @Test
    void aFileWithDataNotStoredYet_showsBlocks_andOnceStoredOnlyTheStoredOnes() {
        long h = gw.create("/unsealed", 0644, Caller.ROOT);
        assertEquals(1, gw.stat(h).allocatedBytes(), "an open file, empty to us: the kernel's cache may hold its bytes");
        gw.write(h, 0, bytes(100)); // one partial block: it stays dirty in its band
        assertEquals(100, gw.stat("/unsealed").allocatedBytes(), "blocks while the data is unsealed");
        gw.release(h);
        gw.syncAll();
        assertEquals(100, gw.stat("/unsealed").allocatedBytes(), "the stored block, its part within the size");

        long sparse = gw.create("/sparse", 0644, Caller.ROOT);
        gw.ftruncate(sparse, 10 << 20);
        gw.release(sparse);
        assertEquals(0, gw.stat("/sparse").allocatedBytes(), "a closed file of holes shows none, as du expects");

        long written = gw.create("/sparse-written", 0644, Caller.ROOT);
        gw.ftruncate(written, 1L << 40);
        gw.write(written, (1L << 40) - 1, bytes(1));
        gw.write(written, 0, bytes(BS));
        assertEquals(2 * BS, gw.stat(written).allocatedBytes(),
                "the two blocks written, unsealed, not the terabyte of holes (cp would fill them)");
        gw.release(written);
        gw.syncAll();
        assertEquals(2 * BS, gw.stat("/sparse-written").allocatedBytes(), "the same two blocks once stored");
    }

    /**
     * The kernel lets a FUSE file grow to 2^63 - 1 bytes; the end of the band holding such a byte did not
     * fit in a long, and a write there looped until the heap ran out. Past the largest size, writes and
     * size changes fail with EFBIG and change nothing; up to it, they work.
     */
    @Test
    void writesAndSizesPastTheLargestFile_failWithFileTooLarge_andTheLastByteWorks() {
        long h = gw.create("/far", 0644, Caller.ROOT);
        assertFsError(FsError.FILE_TOO_LARGE, () -> gw.write(h, Long.MAX_VALUE - 1, bytes(1)));
        assertFsError(FsError.FILE_TOO_LARGE, () -> gw.write(h, Long.MAX_VALUE - 2, bytes(10)));
        assertFsError(FsError.FILE_TOO_LARGE, () -> gw.write(h, -1, bytes(10)));
        assertFsError(FsError.FILE_TOO_LARGE, () -> gw.write(h, Inode.MAX_SIZE - 1, bytes(2)));
        assertFsError(FsError.FILE_TOO_LARGE, () -> gw.ftruncate(h, Inode.MAX_SIZE + 1));
        assertFsError(FsError.FILE_TOO_LARGE, () -> gw.truncate("/far", Long.MAX_VALUE));
        assertEquals(0, gw.stat(h).inode().size(), "refused writes and truncates leave the size alone");

        gw.write(h, Inode.MAX_SIZE - 1, new byte[] {42});
        gw.release(h);
        gw.syncAll();
        assertEquals(Inode.MAX_SIZE, gw.stat("/far").inode().size());
        long again = gw.open("/far");
        assertArrayEquals(new byte[] {0, 42}, gw.read(again, Inode.MAX_SIZE - 2, 2));
        gw.release(again);
    }

    /**
     * A file of more blocks than one transaction removes: a truncate steps its blocks down a batch per
     * transaction, and a deletion, open or not, drains them the same way; nothing of the file is left.
     */
    @Test
    void filesOfMoreBlocksThanOneTransactionRemoves_truncateAndDeleteCompletely() {
        int blocks = ChunkStore.DROP_BATCH + 200;
        byte[] block = new byte[BS];
        java.util.Arrays.fill(block, (byte) 7); // one chunk, deduplicated: only the block records are many
        for (String name : new String[] {"/huge", "/huge-open"}) {
            long h = gw.create(name, 0644, Caller.ROOT);
            for (int i = 0; i < blocks; i++) {
                gw.write(h, (long) i * BS, block);
            }
            gw.release(h);
        }
        gw.syncAll();
        long ino = gw.getattr("/huge").ino();
        assertEquals(blocks, vol.stores.meta.read(r -> r.blocks(ino, 0, Long.MAX_VALUE)).size());

        gw.truncate("/huge", 10L * BS + 5);
        assertEquals(10L * BS + 5, gw.getattr("/huge").size());
        assertEquals(11, vol.stores.meta.read(r -> r.blocks(ino, 0, Long.MAX_VALUE)).size(), "ten blocks and the cut one");
        long h = gw.open("/huge");
        assertArrayEquals(java.util.Arrays.copyOf(block, 5), gw.read(h, 10L * BS, 100));
        gw.release(h);

        long openIno = gw.getattr("/huge-open").ino();
        long open = gw.open("/huge-open");
        gw.unlink("/huge-open");
        gw.unlink("/huge");
        assertEquals(List.of(), vol.stores.meta.read(r -> r.blocks(ino, 0, Long.MAX_VALUE)), "a deleted file's blocks");
        assertTrue(vol.stores.meta.read(r -> r.inode(ino)).isEmpty());
        gw.release(open);
        assertEquals(List.of(), vol.stores.meta.read(r -> r.blocks(openIno, 0, Long.MAX_VALUE)), "dropped at its last close");
        assertTrue(vol.stores.meta.read(r -> r.inode(openIno)).isEmpty());
        assertEquals(List.of(), vol.stores.meta.read(r -> r.orphans()));
        assertEquals(0L, (long) vol.stores.meta.read(r -> r.counter(ChunkStore.LOGICAL_BYTES)), "every chunk reference released");
    }

    @Test
    void create_write_read_roundTrips() {
        byte[] data = "hello, encrypted world".getBytes();
        long h = gw.create("/hello.txt", 0644, Caller.ROOT);
        gw.write(h, 0, data);
        assertEquals(data.length, gw.getattr(h).size());
        assertArrayEquals(data, gw.read(h, 0, 4096));
        gw.release(h);
        assertArrayEquals(data, vol.readFile("/hello.txt"));
        assertEquals(0644, gw.getattr("/hello.txt").mode());
    }

    @Test
    void write_spanningTwoBands_readsBackExactly() {
        long h = gw.create("/f", 0644, Caller.ROOT);
        byte[] data = bytes(300);
        gw.write(h, BAND - 100, data);
        assertArrayEquals(data, gw.read(h, BAND - 100, 300));
        byte[] whole = gw.read(h, 0, BAND + 200);
        assertArrayEquals(new byte[BAND - 100], Arrays.copyOf(whole, BAND - 100));
        assertArrayEquals(data, Arrays.copyOfRange(whole, BAND - 100, BAND + 200));
        gw.fsync(h);
        assertArrayEquals(data, gw.read(h, BAND - 100, 300));
        gw.release(h);
    }

    @Test
    void largeUnalignedWrite_acrossManyBlocksAndBands_readsBackExactly() {
        byte[] data = bytes(5 * BAND + 777);
        long h = gw.create("/big", 0644, Caller.ROOT);
        gw.write(h, 1234, data);
        assertArrayEquals(data, gw.read(h, 1234, data.length));
        gw.fsync(h);
        gw.release(h);
        byte[] all = vol.readFile("/big");
        assertEquals(1234 + data.length, all.length);
        assertArrayEquals(data, Arrays.copyOfRange(all, 1234, all.length));
    }

    @Test
    void read_pastTheEnd_isShortOrEmpty() {
        long h = gw.create("/f", 0644, Caller.ROOT);
        gw.write(h, 0, bytes(100));
        assertEquals(40, gw.read(h, 60, 1000).length);
        assertEquals(0, gw.read(h, 100, 10).length);
        assertEquals(0, gw.read(h, 5000, 10).length);
        gw.release(h);
    }

    @Test
    void holeBetweenWrites_readsAsZeros_andStoresNothing() {
        long h = gw.create("/sparse", 0644, Caller.ROOT);
        byte[] head = bytes(10);
        byte[] tail = bytes(10);
        gw.write(h, 0, head);
        gw.write(h, 5L * BAND, tail);
        gw.syncAll(); // seals (an fsync only journals)
        byte[] all = gw.read(h, 0, 5 * BAND + 10);
        assertArrayEquals(head, Arrays.copyOf(all, 10));
        assertArrayEquals(new byte[5 * BAND - 10], Arrays.copyOfRange(all, 10, 5 * BAND));
        assertArrayEquals(tail, Arrays.copyOfRange(all, 5 * BAND, all.length));
        long ino = vol.ino("/sparse");
        assertEquals(2, vol.stores.meta.read(r -> r.blocks(ino, 0, Long.MAX_VALUE)).size(), "only two blocks stored");
        gw.release(h);
    }

    @Test
    void truncate_downThenUp_readsZerosBeyondTheCut() {
        byte[] data = bytes(3 * BS);
        long h = gw.create("/t", 0644, Caller.ROOT);
        gw.write(h, 0, data); // still dirty: truncate must flush first
        gw.truncate("/t", 5000);
        assertEquals(5000, gw.getattr("/t").size());
        assertArrayEquals(Arrays.copyOf(data, 5000), gw.read(h, 0, 3 * BS));

        gw.truncate("/t", 3 * BS);
        byte[] grown = gw.read(h, 0, 3 * BS);
        assertArrayEquals(Arrays.copyOf(data, 5000), Arrays.copyOf(grown, 5000));
        assertArrayEquals(new byte[3 * BS - 5000], Arrays.copyOfRange(grown, 5000, 3 * BS), "zeros past the cut");
        gw.release(h);
    }

    @Test
    void truncate_toABlockBoundary_thenWriteFurther_leavesZerosBetween() {
        byte[] data = bytes(2 * BAND);
        long h = gw.create("/t", 0644, Caller.ROOT);
        gw.write(h, 0, data);
        gw.fsync(h);
        gw.ftruncate(h, BS);
        byte[] tail = bytes(10);
        gw.write(h, 2L * BAND, tail);
        byte[] all = gw.read(h, 0, 2 * BAND + 10);
        assertArrayEquals(Arrays.copyOf(data, BS), Arrays.copyOf(all, BS));
        assertArrayEquals(new byte[2 * BAND - BS], Arrays.copyOfRange(all, BS, 2 * BAND));
        assertArrayEquals(tail, Arrays.copyOfRange(all, 2 * BAND, all.length));
        gw.release(h);
    }

    @Test
    void truncate_toZero_releasesEveryChunk() {
        long h = gw.create("/t", 0644, Caller.ROOT);
        gw.write(h, 0, bytes(3 * BAND));
        gw.fsync(h);
        assertTrue(vol.stores.counter(ChunkStore.STORED_BYTES) > 0);
        gw.ftruncate(h, 0);
        assertEquals(0, vol.stores.counter(ChunkStore.STORED_BYTES));
        assertEquals(0, vol.stores.counter(ChunkStore.LOGICAL_BYTES));
        assertEquals(0, gw.read(h, 0, 100).length);
        gw.release(h);
    }

    @Test
    void randomWrites_atRandomOffsets_matchAReferenceArray() {
        Random seeded = new Random(77);
        int size = 7 * BAND + 123;
        byte[] reference = new byte[size];
        long h = gw.create("/random", 0644, Caller.ROOT);
        gw.ftruncate(h, size);
        for (int op = 0; op < 400; op++) {
            int len = 1 + seeded.nextInt(2 * BAND);
            int at = seeded.nextInt(size - len + 1);
            if (seeded.nextInt(4) == 0) {
                byte[] read = gw.read(h, at, len);
                assertArrayEquals(Arrays.copyOfRange(reference, at, at + len), read, "read " + len + " at " + at + ", op " + op);
            } else {
                byte[] data = new byte[len];
                seeded.nextBytes(data);
                if (seeded.nextInt(5) == 0) {
                    Arrays.fill(data, (byte) 0); // zero runs make holes and trimmed chunks
                }
                gw.write(h, at, data);
                System.arraycopy(data, 0, reference, at, len);
            }
            if (op % 97 == 0) {
                gw.fsync(h);
            }
        }
        assertArrayEquals(reference, gw.read(h, 0, size));
        gw.fsync(h);
        gw.release(h);
        assertArrayEquals(reference, vol.readFile("/random"));
    }

    @Test
    void filesWithEqualContent_areStoredOnce() {
        byte[] data = bytes(2 * BAND);
        vol.writeFile("/a", data);
        gw.syncAll();
        long storedOnce = vol.stores.counter(ChunkStore.STORED_BYTES);
        vol.writeFile("/b", data);
        gw.syncAll();
        assertEquals(storedOnce, vol.stores.counter(ChunkStore.STORED_BYTES));
        assertEquals(2L * data.length, vol.stores.counter(ChunkStore.LOGICAL_BYTES));
        assertArrayEquals(data, vol.readFile("/b"));
    }

    @Test
    void unlink_whileOpen_keepsTheDataReadable_untilRelease() {
        byte[] data = bytes(BAND + 500);
        long h = gw.create("/doomed", 0644, Caller.ROOT);
        gw.write(h, 0, data);
        gw.unlink("/doomed");
        assertFsError(FsError.NOT_FOUND, () -> gw.getattr("/doomed"));
        assertEquals(0, gw.getattr(h).nlink());
        assertArrayEquals(data, gw.read(h, 0, data.length));
        gw.fsync(h);
        assertArrayEquals(data, gw.read(h, 0, data.length));
        long ino = gw.getattr(h).ino();
        assertTrue(vol.stores.meta.read(r -> r.orphans()).contains(ino));

        gw.release(h);
        assertTrue(vol.stores.meta.read(r -> r.inode(ino)).isEmpty(), "purged at the last release");
        assertTrue(vol.stores.meta.read(r -> r.orphans()).isEmpty());
        assertEquals(0, vol.stores.counter(ChunkStore.STORED_BYTES));
        assertFsError(FsError.BAD_HANDLE, () -> gw.read(h, 0, 1));
    }

    @Test
    void unlink_withASecondHandleOpen_waitsForTheLastRelease() {
        byte[] data = bytes(1000);
        vol.writeFile("/f", data);
        long h1 = gw.open("/f");
        long h2 = gw.open("/f");
        gw.unlink("/f");
        gw.release(h1);
        assertArrayEquals(data, gw.read(h2, 0, 1000));
        gw.release(h2);
    }

    @Test
    void unknownHandle_isBadHandle() {
        assertFsError(FsError.BAD_HANDLE, () -> gw.read(999, 0, 1));
        assertFsError(FsError.BAD_HANDLE, () -> gw.write(999, 0, new byte[1]));
        long h = gw.create("/f", 0644, Caller.ROOT);
        gw.release(h);
        assertFsError(FsError.BAD_HANDLE, () -> gw.release(h));
    }

    @Test
    void syncAll_thenDrain_uploadsEverything_andReadsComeBackFromTheBackend() throws Exception {
        byte[] data = bytes(3 * BAND + 99);
        long h = gw.create("/up", 0644, Caller.ROOT);
        gw.write(h, 0, data);
        gw.syncAll();
        vol.uploads.drain(s -> { }, Duration.ofMillis(20));
        gw.release(h);

        assertTrue(vol.stores.meta.read(r -> r.packs(PackState.SEALED)).isEmpty());
        assertTrue(vol.stores.meta.read(r -> r.packs(PackState.OPEN)).isEmpty());
        assertFalse(vol.stores.meta.read(r -> r.packs(PackState.UPLOADED)).isEmpty());
        assertEquals(0, vol.stores.outbox.waitingBytes());
        vol.stores.cache.clear();

        FakeBlobStore backend = (FakeBlobStore) vol.stores.backend;
        assertArrayEquals(data, readThroughFreshChunkStore("/up", data.length));
        assertTrue(backend.gets() > 0, "blocks were downloaded");
    }

    /** Reads a file's blocks with an empty plaintext cache, so they must come from pack bytes. */
    private byte[] readThroughFreshChunkStore(String path, int size) {
        long ino = vol.ino(path);
        ChunkStore fresh = vol.stores.newChunkStore(1 << 20);
        byte[] out = new byte[size];
        for (int blk = 0; blk * BS < size; blk++) {
            byte[] block = fresh.loadBlock(ino, blk);
            System.arraycopy(block, 0, out, blk * BS, Math.min(BS, size - blk * BS));
        }
        return out;
    }

    @Test
    void afterSync_noJournalRecordStaysLive_evenWhenFsyncMetBlocksBeingSealed() {
        long h = gw.create("/journaled", 0644, Caller.ROOT);
        for (int i = 0; i < 8; i++) {
            gw.write(h, (long) i * BS, bytes(BS)); // a whole block: sealed at once, often still sealing at the fsync
            gw.write(h, (long) i * BS + BS * 8L + 3, bytes(100)); // a partial one: stays dirty, gets journaled
            gw.fsync(h);
        }
        gw.syncAll();
        assertEquals(Long.MAX_VALUE, vol.ctx.journal().oldestLive(), "every journal record was superseded by a seal");
        gw.release(h);
    }
}
