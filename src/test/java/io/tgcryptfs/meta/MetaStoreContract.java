package io.tgcryptfs.meta;

import io.tgcryptfs.fs.ChunkId;
import io.tgcryptfs.fs.DirEntry;
import io.tgcryptfs.fs.FileKind;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.fs.Timestamp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Behaviours every {@link MetaStore} must show. An implementation's test extends this and says how to
 * open a store in a directory; implementation-specific behaviours live in the subclass.
 */
public abstract class MetaStoreContract {
    protected static final Timestamp YEAR_2500 = Timestamp.of(Instant.parse("2500-06-30T12:34:56.123456789Z"));

    @TempDir
    protected Path dir;

    protected MetaStore store;

    protected abstract MetaStore open(Path directory);

    @BeforeEach
    void openStore() {
        store = open(dir);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    // ---- inodes

    @Test
    void inode_roundTripsEveryField_includingYear2500TimesAndASymlinkTarget() {
        Inode link = new Inode(42, FileKind.SYMLINK, 0777, 1000, 100, 1, 11, 0,
                new Timestamp(-1, 999_999_999), YEAR_2500, new Timestamp(Long.MAX_VALUE, 1),
                "../target/é/file");
        Inode device = new Inode(43, FileKind.CHAR_DEVICE, 04755, 0, 0, 3, Long.MAX_VALUE, 0x0501L,
                Timestamp.EPOCH, new Timestamp(1_700_000_000, 5), YEAR_2500, null);

        store.write(w -> {
            w.putInode(link);
            w.putInode(device);
            return null;
        });

        assertEquals(Optional.of(link), store.read(r -> r.inode(42)));
        assertEquals(Optional.of(device), store.read(r -> r.inode(43)));
        assertEquals(Optional.empty(), store.read(r -> r.inode(44)));
    }

    @Test
    void putInode_replacesTheStoredInode() {
        Inode file = regular(7);
        store.write(w -> {
            w.putInode(file);
            return null;
        });
        Inode grown = file.withSize(4096, YEAR_2500);
        store.write(w -> {
            w.putInode(grown);
            return null;
        });

        assertEquals(Optional.of(grown), store.read(r -> r.inode(7)));
    }

    @Test
    void deleteInode_removesTheInodeAndItsXattrs_butNotOtherInodes() {
        store.write(w -> {
            w.putInode(regular(7));
            w.putInode(regular(8));
            w.putXattr(7, "user.a", new byte[] {1});
            w.putXattr(8, "user.a", new byte[] {2});
            return null;
        });

        store.write(w -> {
            w.deleteInode(7);
            return null;
        });

        assertEquals(Optional.empty(), store.read(r -> r.inode(7)));
        assertEquals(List.of(), store.read(r -> r.xattrNames(7)));
        assertTrue(store.read(r -> r.inode(8)).isPresent());
        assertEquals(List.of("user.a"), store.read(r -> r.xattrNames(8)));
    }

    // ---- directory entries

    @Test
    void entries_listInNameByteOrder_andPageWithAfterNameAndLimit() {
        List<String> names = List.of("b", "é", "a", "Z", "c", "aa", "a b");
        store.write(w -> {
            long child = 100;
            for (String name : names) {
                w.putEntry(1, name, child++);
            }
            w.putEntry(0, "zzz-before", 9);   // neighbouring directories must not leak in
            w.putEntry(2, "0-after", 9);
            w.putEntry(0x100, "far", 9);
            return null;
        });

        List<String> all = store.read(r -> names(r.entries(1, null, Integer.MAX_VALUE)));
        assertEquals(List.of("Z", "a", "a b", "aa", "b", "c", "é"), all);

        assertEquals(List.of("Z", "a"), store.read(r -> names(r.entries(1, null, 2))));
        assertEquals(List.of("a b", "aa"), store.read(r -> names(r.entries(1, "a", 2))));
        assertEquals(List.of("b", "c"), store.read(r -> names(r.entries(1, "aa", 2))));
        assertEquals(List.of("é"), store.read(r -> names(r.entries(1, "c", 2))));
        assertEquals(List.of(), store.read(r -> names(r.entries(1, "é", 2))));
        assertEquals(List.of("b", "c"), store.read(r -> names(r.entries(1, "ab", 2))), "afterName need not exist");
        assertEquals(List.of(), store.read(r -> r.entries(1, null, 0)));
    }

    @Test
    void entries_carryTheChildInodeNumbers() {
        store.write(w -> {
            w.putEntry(1, "x", 11);
            w.putEntry(1, "y", Long.MAX_VALUE);
            return null;
        });

        assertEquals(List.of(new DirEntry("x", 11), new DirEntry("y", Long.MAX_VALUE)),
                store.read(r -> r.entries(1, null, 10)));
    }

    @Test
    void pagingThroughALargeDirectory_visitsEveryNameOnce() {
        store.write(w -> {
            for (int i = 0; i < 1000; i++) {
                w.putEntry(5, "file-" + i, 1000 + i);
            }
            return null;
        });

        List<String> seen = new ArrayList<>();
        String after = null;
        while (true) {
            String from = after;
            List<DirEntry> page = store.read(r -> r.entries(5, from, 64));
            if (page.isEmpty()) {
                break;
            }
            page.forEach(e -> seen.add(e.name()));
            after = page.get(page.size() - 1).name();
        }
        assertEquals(1000, seen.size());
        assertEquals(1000, seen.stream().distinct().count());
    }

    @Test
    void lookup_findsTheChild_andDeleteEntryRemovesOnlyThatName() {
        store.write(w -> {
            w.putEntry(1, "keep", 10);
            w.putEntry(1, "drop", 11);
            return null;
        });
        assertEquals(OptionalLong.of(11), store.read(r -> r.lookup(1, "drop")));
        assertEquals(OptionalLong.empty(), store.read(r -> r.lookup(2, "drop")));

        store.write(w -> {
            w.deleteEntry(1, "drop");
            w.deleteEntry(1, "never-existed");
            return null;
        });

        assertEquals(OptionalLong.empty(), store.read(r -> r.lookup(1, "drop")));
        assertEquals(OptionalLong.of(10), store.read(r -> r.lookup(1, "keep")));
    }

    @Test
    void putEntry_overAnExistingName_repointsIt() {
        store.write(w -> {
            w.putEntry(1, "name", 10);
            w.putEntry(1, "name", 20);
            return null;
        });

        assertEquals(OptionalLong.of(20), store.read(r -> r.lookup(1, "name")));
        assertEquals(1, store.read(r -> r.entries(1, null, 10)).size());
    }

    @Test
    void hasEntries_isFalseForAnEmptyDirectoryBetweenNonEmptyNeighbours() {
        store.write(w -> {
            w.putEntry(2, "a", 10);
            w.putEntry(4, "b", 11);
            return null;
        });

        assertTrue(store.<Boolean>read(r -> r.hasEntries(2)));
        assertFalse(store.<Boolean>read(r -> r.hasEntries(3)));
        assertTrue(store.<Boolean>read(r -> r.hasEntries(4)));
        assertFalse(store.<Boolean>read(r -> r.hasEntries(5)));

        store.write(w -> {
            w.deleteEntry(2, "a");
            return null;
        });
        assertFalse(store.<Boolean>read(r -> r.hasEntries(2)));
    }

    @Test
    void namesOver255Bytes_areRejectedWithNameTooLong() {
        String max = "n".repeat(255);
        String tooLong = "n".repeat(256);
        String tooLongUtf8 = "é".repeat(128); // 128 characters, 256 bytes

        store.write(w -> {
            w.putEntry(1, max, 10);
            w.putXattr(1, max, new byte[] {1});
            return null;
        });
        assertEquals(OptionalLong.of(10), store.read(r -> r.lookup(1, max)));
        assertEquals(List.of(max), store.read(r -> names(r.entries(1, null, 10))));
        assertEquals(List.of(max), store.read(r -> r.xattrNames(1)));

        assertError(FsError.NAME_TOO_LONG, () -> store.write(w -> {
            w.putEntry(1, tooLong, 11);
            return null;
        }));
        assertError(FsError.NAME_TOO_LONG, () -> store.write(w -> {
            w.putEntry(1, tooLongUtf8, 11);
            return null;
        }));
        assertError(FsError.NAME_TOO_LONG, () -> store.read(r -> r.lookup(1, tooLong)));
        assertError(FsError.NAME_TOO_LONG, () -> store.write(w -> {
            w.putXattr(1, tooLong, new byte[] {1});
            return null;
        }));
        assertEquals(List.of(max), store.read(r -> names(r.entries(1, null, 10))));
    }

    // ---- xattrs

    @Test
    void xattrs_putGetListAndDelete_includingA64KiBValue() {
        byte[] big = new byte[64 * 1024];
        new Random(7).nextBytes(big);
        store.write(w -> {
            w.putXattr(9, "user.big", big);
            w.putXattr(9, "security.selinux", "label".getBytes());
            w.putXattr(9, "user.empty", new byte[0]);
            w.putXattr(10, "user.other", new byte[] {1});
            return null;
        });

        assertArrayEquals(big, store.read(r -> r.xattr(9, "user.big")).orElseThrow());
        assertArrayEquals(new byte[0], store.read(r -> r.xattr(9, "user.empty")).orElseThrow());
        assertEquals(Optional.empty(), store.read(r -> r.xattr(9, "user.missing")));
        assertEquals(List.of("security.selinux", "user.big", "user.empty"), store.read(r -> r.xattrNames(9)));

        assertTrue(store.<Boolean>write(w -> w.deleteXattr(9, "user.big")));
        assertFalse(store.<Boolean>write(w -> w.deleteXattr(9, "user.big")));
        assertEquals(Optional.empty(), store.read(r -> r.xattr(9, "user.big")));
        assertEquals(List.of("security.selinux", "user.empty"), store.read(r -> r.xattrNames(9)));
        assertEquals(List.of("user.other"), store.read(r -> r.xattrNames(10)));
    }

    @Test
    void xattrValue_isCopiedIn_soLaterChangesToTheArrayDoNotLeak() {
        byte[] value = {1, 2, 3};
        store.write(w -> {
            w.putXattr(9, "user.v", value);
            return null;
        });
        value[0] = 99;

        byte[] stored = store.read(r -> r.xattr(9, "user.v")).orElseThrow();
        assertArrayEquals(new byte[] {1, 2, 3}, stored);
    }

    // ---- blocks

    @Test
    void lastBlocks_returnTheHighestFirst_fromTheGivenIndexUp_withoutLeakingIntoAnotherInodeOrTable() {
        store.write(w -> {
            for (long i : new long[] {9, 0, 3, 4, 5, 1L << 40}) {
                w.putBlock(2, i, chunkId(i));
            }
            w.putBlock(1, 7, chunkId(100));
            w.putBlock(3, 0, chunkId(200));
            return null;
        });
        assertEquals(List.of(1L << 40, 9L, 5L, 4L, 3L, 0L), indexes(store.read(r -> r.lastBlocks(2, 0, 100))));
        assertEquals(List.of(1L << 40, 9L), indexes(store.read(r -> r.lastBlocks(2, 0, 2))));
        assertEquals(List.of(1L << 40, 9L, 5L), indexes(store.read(r -> r.lastBlocks(2, 5, 100))));
        assertEquals(List.of(new BlockRef(0, chunkId(200))), store.read(r -> r.lastBlocks(3, 0, 10)),
                "the table's last inode: no key past it to start from");
        assertEquals(List.of(new BlockRef(7, chunkId(100))), store.read(r -> r.lastBlocks(1, 0, 10)));
        assertEquals(List.of(), store.read(r -> r.lastBlocks(4, 0, 10)));
        assertEquals(List.of(), store.read(r -> r.lastBlocks(2, (1L << 40) + 1, 10)));
    }

    @Test
    void blockRangeScans_returnBlocksInIndexOrder_withoutLeakingIntoAnotherInode() {
        store.write(w -> {
            for (long i : new long[] {9, 0, 3, 4, 5, 1L << 40}) {
                w.putBlock(1, i, chunkId(i));
            }
            for (long i = 0; i < 4; i++) {
                w.putBlock(2, i, chunkId(100 + i));
            }
            w.putBlock(0x101, 0, chunkId(200));
            return null;
        });

        assertEquals(List.of(0L, 3L, 4L, 5L, 9L, 1L << 40), indexes(store.read(r -> r.blocks(1, 0, Long.MAX_VALUE))));
        assertEquals(List.of(3L, 4L, 5L), indexes(store.read(r -> r.blocks(1, 3, 6))));
        assertEquals(List.of(4L, 5L, 9L), indexes(store.read(r -> r.blocks(1, 4, 10))));
        assertEquals(List.of(), store.read(r -> r.blocks(1, 6, 9)));
        assertEquals(List.of(), store.read(r -> r.blocks(1, 5, 5)));
        assertEquals(List.of(new BlockRef(0, chunkId(100)), new BlockRef(1, chunkId(101)),
                new BlockRef(2, chunkId(102)), new BlockRef(3, chunkId(103))),
                store.read(r -> r.blocks(2, 0, Long.MAX_VALUE)));
        assertEquals(List.of(), store.read(r -> r.blocks(3, 0, Long.MAX_VALUE)));
        assertEquals(Optional.of(chunkId(9)), store.read(r -> r.block(1, 9)));
        assertEquals(Optional.empty(), store.read(r -> r.block(1, 8)));
    }

    @Test
    void deleteBlock_leavesAHole() {
        store.write(w -> {
            for (long i = 0; i < 3; i++) {
                w.putBlock(1, i, chunkId(i));
            }
            return null;
        });
        store.write(w -> {
            w.deleteBlock(1, 1);
            return null;
        });

        assertEquals(List.of(0L, 2L), indexes(store.read(r -> r.blocks(1, 0, 3))));
    }

    // ---- chunks and packs

    @Test
    void chunkRecords_roundTrip_andListByPackInOffsetOrder() {
        PackId a = packId(1);
        PackId b = packId(2);
        ChunkRecord c1 = new ChunkRecord(chunkId(1), a, 8192, 4100, 4096, 1);
        ChunkRecord c2 = new ChunkRecord(chunkId(2), a, 0, 4100, 4096, 3);
        ChunkRecord c3 = new ChunkRecord(chunkId(3), a, 4100, 92, 64, 1);
        ChunkRecord c4 = new ChunkRecord(chunkId(4), b, 0, 10, 1, 1);
        store.write(w -> {
            w.putChunk(c1);
            w.putChunk(c2);
            w.putChunk(c3);
            w.putChunk(c4);
            return null;
        });

        assertEquals(Optional.of(c2), store.read(r -> r.chunk(chunkId(2))));
        assertEquals(Optional.empty(), store.read(r -> r.chunk(chunkId(5))));
        assertEquals(List.of(c2, c3, c1), store.read(r -> r.chunksInPack(a)));
        assertEquals(List.of(c4), store.read(r -> r.chunksInPack(b)));
        assertEquals(List.of(), store.read(r -> r.chunksInPack(packId(3))));
    }

    @Test
    void chunksInPack_followsRefcountChangesMovesAndDeletes() {
        PackId a = packId(1);
        PackId b = packId(2);
        ChunkRecord c1 = new ChunkRecord(chunkId(1), a, 0, 100, 80, 1);
        ChunkRecord c2 = new ChunkRecord(chunkId(2), a, 100, 100, 80, 1);
        store.write(w -> {
            w.putChunk(c1);
            w.putChunk(c2);
            return null;
        });

        ChunkRecord c1Shared = c1.withRefcount(5);
        ChunkRecord c2Moved = new ChunkRecord(chunkId(2), b, 0, 100, 80, 1);
        store.write(w -> {
            w.putChunk(c1Shared);
            w.putChunk(c2Moved);
            return null;
        });
        assertEquals(List.of(c1Shared), store.read(r -> r.chunksInPack(a)));
        assertEquals(List.of(c2Moved), store.read(r -> r.chunksInPack(b)));

        store.write(w -> {
            w.deleteChunk(chunkId(1));
            w.deleteChunk(chunkId(9));
            return null;
        });
        assertEquals(List.of(), store.read(r -> r.chunksInPack(a)));
        assertEquals(Optional.empty(), store.read(r -> r.chunk(chunkId(1))));
    }

    @Test
    void packsByState_pageInIdOrder_afterTheLastOneSeen() {
        store.write(w -> {
            for (int i = 1; i <= 5; i++) {
                w.putPack(new PackRecord(packId(i), PackState.SEALED, 0, 0, null).uploaded("ref" + i));
            }
            w.putPack(new PackRecord(packId(6), PackState.SEALED, 0, 0, null));
            return null;
        });
        List<PackId> seen = new java.util.ArrayList<>();
        PackId after = null;
        while (true) {
            PackId from = after;
            List<PackRecord> page = store.read(r -> r.packs(PackState.UPLOADED, from, 2));
            page.forEach(p -> seen.add(p.id()));
            if (page.size() < 2) {
                break;
            }
            after = page.get(1).id();
        }
        assertEquals(List.of(packId(1), packId(2), packId(3), packId(4), packId(5)), seen);
        assertEquals(List.of(), store.read(r -> r.packs(PackState.UPLOADED, packId(5), 2)));
        assertEquals(1, store.read(r -> r.packs(PackState.SEALED, null, 10)).size());
    }

    @Test
    void packRecords_roundTrip_andPacksByStateFollowStateChanges() {
        PackRecord p1 = new PackRecord(packId(1), PackState.OPEN, 0, 0, null);
        PackRecord p2 = new PackRecord(packId(2), PackState.OPEN, 10, 10, null);
        PackRecord p3 = new PackRecord(packId(3), PackState.SEALED, 1 << 20, 1000, null);
        store.write(w -> {
            w.putPack(p1);
            w.putPack(p2);
            w.putPack(p3);
            return null;
        });
        assertEquals(Optional.of(p3), store.read(r -> r.pack(packId(3))));
        assertEquals(List.of(p1, p2), store.read(r -> r.packs(PackState.OPEN)));
        assertEquals(List.of(p3), store.read(r -> r.packs(PackState.SEALED)));
        assertEquals(List.of(), store.read(r -> r.packs(PackState.UPLOADED)));

        PackRecord p1Sealed = p1.withSize(4096, 4000).withState(PackState.SEALED);
        PackRecord p3Uploaded = p3.uploaded("telegram:12345/abc");
        store.write(w -> {
            w.putPack(p1Sealed);
            w.putPack(p3Uploaded);
            return null;
        });
        assertEquals(List.of(p2), store.read(r -> r.packs(PackState.OPEN)));
        assertEquals(List.of(p1Sealed), store.read(r -> r.packs(PackState.SEALED)));
        assertEquals(List.of(p3Uploaded), store.read(r -> r.packs(PackState.UPLOADED)));
        assertEquals(Optional.of(p3Uploaded), store.read(r -> r.pack(packId(3))));

        PackRecord p3Shrunk = p3Uploaded.withLiveBytes(10);
        store.write(w -> {
            w.deletePack(packId(2));
            w.putPack(p3Shrunk);
            return null;
        });
        assertEquals(List.of(), store.read(r -> r.packs(PackState.OPEN)));
        assertEquals(Optional.empty(), store.read(r -> r.pack(packId(2))));
        assertEquals(List.of(p3Shrunk), store.read(r -> r.packs(PackState.UPLOADED)));
    }

    // ---- counters and orphans

    @Test
    void counters_startAtZero_andCanBeSetAndAddedTo() {
        assertEquals(0L, store.<Long>read(r -> r.counter("next-ino")));

        store.write(w -> {
            w.setCounter("next-ino", 2);
            return null;
        });
        assertEquals(3L, store.<Long>write(w -> w.addToCounter("next-ino", 1)));
        assertEquals(13L, store.<Long>write(w -> w.addToCounter("next-ino", 10)));
        assertEquals(-5L, store.<Long>write(w -> w.addToCounter("other", -5)));

        assertEquals(13L, store.<Long>read(r -> r.counter("next-ino")));
        assertEquals(-5L, store.<Long>read(r -> r.counter("other")));
    }

    @Test
    void addToCounter_seesEarlierChangesInTheSameWrite() {
        long value = store.write(w -> {
            w.addToCounter("n", 1);
            w.addToCounter("n", 1);
            return w.addToCounter("n", 1);
        });
        assertEquals(3, value);
    }

    @Test
    void orphans_areListedInInodeOrder_untilRemoved() {
        store.write(w -> {
            w.addOrphan(300);
            w.addOrphan(7);
            w.addOrphan(1L << 33);
            w.addOrphan(7);
            return null;
        });
        assertEquals(List.of(7L, 300L, 1L << 33), store.read(MetaReader::orphans));

        store.write(w -> {
            w.removeOrphan(300);
            return null;
        });
        assertEquals(List.of(7L, 1L << 33), store.read(MetaReader::orphans));
    }

    // ---- transactions

    @Test
    void aWriteWhoseFunctionThrows_leavesNothingBehind_andRethrowsTheSameException() {
        store.write(w -> {
            w.setCounter("c", 1);
            return null;
        });
        IllegalStateException boom = new IllegalStateException("boom");

        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> store.write(w -> {
            w.putInode(regular(7));
            w.putEntry(1, "f", 7);
            w.putXattr(7, "user.x", new byte[] {1});
            w.putBlock(7, 0, chunkId(1));
            w.putChunk(new ChunkRecord(chunkId(1), packId(1), 0, 1, 1, 1));
            w.putPack(new PackRecord(packId(1), PackState.OPEN, 0, 0, null));
            w.setCounter("c", 99);
            w.addOrphan(7);
            throw boom;
        }));
        assertSame(boom, thrown);

        store.read(r -> {
            assertEquals(Optional.empty(), r.inode(7));
            assertEquals(OptionalLong.empty(), r.lookup(1, "f"));
            assertEquals(List.of(), r.xattrNames(7));
            assertEquals(List.of(), r.blocks(7, 0, Long.MAX_VALUE));
            assertEquals(Optional.empty(), r.chunk(chunkId(1)));
            assertEquals(List.of(), r.packs(PackState.OPEN));
            assertEquals(1, r.counter("c"));
            assertEquals(List.of(), r.orphans());
            return null;
        });
    }

    @Test
    void aWriteThatFailsWithAnFsException_rethrowsItUnchanged() {
        FsException exists = new FsException(FsError.EXISTS, "f");

        FsException thrown = assertThrows(FsException.class, () -> store.write(w -> {
            w.putEntry(1, "f", 7);
            throw exists;
        }));

        assertSame(exists, thrown);
        assertEquals(OptionalLong.empty(), store.read(r -> r.lookup(1, "f")));
    }

    @Test
    void aWriteSeesItsOwnChanges_andReturnsTheFunctionsResult() {
        String result = store.write(w -> {
            w.putEntry(1, "f", 7);
            return "looked up " + w.lookup(1, "f").orElseThrow() + ", " + w.entries(1, null, 10).size();
        });
        assertEquals("looked up 7, 1", result);
    }

    @Test
    void concurrentReaders_eachSeeAConsistentSnapshot_whileAWriterCommits() throws Exception {
        int writes = 300;
        int readers = 3;
        ExecutorService pool = Executors.newFixedThreadPool(readers + 1);
        AtomicBoolean writerDone = new AtomicBoolean();
        CountDownLatch readersRunning = new CountDownLatch(readers);
        try {
            List<Future<Integer>> readResults = new ArrayList<>();
            for (int t = 0; t < readers; t++) {
                readResults.add(pool.submit(() -> {
                    readersRunning.countDown();
                    int reads = 0;
                    long lastSeen = 0;
                    while (!writerDone.get() || reads == 0) {
                        long seen = store.read(r -> {
                            long count = r.counter("count");
                            // every invariant below is broken in every intermediate state of a write
                            assertEquals(-count, r.counter("minus"), "counters from one snapshot");
                            assertEquals(count, r.entries(1, null, Integer.MAX_VALUE).size(), "entries match counter");
                            assertEquals(count, r.blocks(2, 0, Long.MAX_VALUE).size(), "blocks match counter");
                            return count;
                        });
                        assertTrue(seen >= lastSeen, "snapshots never go back in time");
                        lastSeen = seen;
                        reads++;
                    }
                    return reads;
                }));
            }
            assertTrue(readersRunning.await(10, TimeUnit.SECONDS));
            Future<?> writer = pool.submit(() -> {
                try {
                    writeAll(writes);
                } finally {
                    writerDone.set(true);
                }
                return null;
            });
            writer.get(60, TimeUnit.SECONDS);
            for (Future<Integer> f : readResults) {
                assertTrue(f.get(60, TimeUnit.SECONDS) > 0);
            }
            assertEquals((long) writes, store.<Long>read(r -> r.counter("count")));
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    /** Each write keeps three invariants that only hold between transactions. */
    private void writeAll(int writes) {
        for (int i = 0; i < writes; i++) {
            int n = i;
            store.write(w -> {
                w.putEntry(1, String.format("f%05d", n), 1000 + n);
                long count = w.addToCounter("count", 1);
                w.putBlock(2, n, chunkId(n));
                w.setCounter("minus", -count);
                return null;
            });
        }
    }

    // ---- helpers

    protected static Inode regular(long ino) {
        return new Inode(ino, FileKind.REGULAR, 0644, 1000, 1000, 1, 0, 0,
                Timestamp.EPOCH, Timestamp.EPOCH, Timestamp.EPOCH, null);
    }

    protected static ChunkId chunkId(long seed) {
        byte[] b = new byte[ChunkId.LENGTH];
        new Random(seed).nextBytes(b);
        return ChunkId.of(b);
    }

    protected static PackId packId(int seed) {
        byte[] b = new byte[PackId.LENGTH];
        Arrays.fill(b, (byte) seed);
        return PackId.of(b);
    }

    protected static void assertError(FsError expected, Runnable action) {
        FsException e = assertThrows(FsException.class, action::run);
        assertEquals(expected, e.error(), e.getMessage());
    }

    private static List<String> names(List<DirEntry> entries) {
        return entries.stream().map(DirEntry::name).collect(Collectors.toList());
    }

    private static List<Long> indexes(List<BlockRef> blocks) {
        return blocks.stream().map(BlockRef::index).collect(Collectors.toList());
    }

}
