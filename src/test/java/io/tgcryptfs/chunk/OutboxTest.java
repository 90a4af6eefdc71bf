package io.tgcryptfs.chunk;

import io.tgcryptfs.crypto.VolumeKeys;
import io.tgcryptfs.fs.ChunkId;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.meta.ChunkRecord;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.PackRecord;
import io.tgcryptfs.meta.PackState;
import io.tgcryptfs.meta.lmdb.LmdbMetaStore;
import io.tgcryptfs.testing.Await;
import io.tgcryptfs.testing.TestStores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutboxTest {
    @TempDir
    Path dir;
    private VolumeKeys keys;
    private MetaStore meta;
    private final Random random = new Random(42);
    private final List<Outbox> opened = new ArrayList<>();

    @BeforeEach
    void open() {
        keys = TestStores.newKeys(4096);
        meta = LmdbMetaStore.open(dir.resolve("meta"), 64L << 20);
    }

    @AfterEach
    void close() {
        opened.forEach(Outbox::close);
        meta.close();
        keys.close();
    }

    private Outbox outbox(long targetSize, long maxBytes) throws Exception {
        Outbox o = new Outbox(dir.resolve("outbox"), meta, keys.metadataCipher(), random, targetSize, maxBytes);
        opened.add(o);
        return o;
    }

    private ChunkId chunkId() {
        byte[] b = new byte[ChunkId.LENGTH];
        random.nextBytes(b);
        return ChunkId.of(b);
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private PackRecord pack(PackId id) {
        return meta.read(r -> r.pack(id)).orElseThrow(() -> new AssertionError("no pack record " + id));
    }

    private List<PackFormat.IndexEntry> readIndex(PackId id) throws Exception {
        byte[] file = Files.readAllBytes(dir.resolve("outbox").resolve(PackFormat.fileName(id)));
        assertArrayEquals(PackFormat.MAGIC, Arrays.copyOf(file, 8));
        assertArrayEquals(PackFormat.INDEX_MAGIC, Arrays.copyOfRange(file, file.length - 8, file.length));
        int indexLength = ByteBuffer.wrap(file, file.length - 12, 4).getInt();
        byte[] sealed = Arrays.copyOfRange(file, file.length - 12 - indexLength, file.length - 12);
        return PackFormat.decodeIndex(keys.metadataCipher().open(PackFormat.indexLabel(id), sealed));
    }

    @Test
    void packReachingTheTargetSize_isClosed_andTheListenerHearsOfIt() throws Exception {
        Outbox outbox = outbox(1000, 1L << 30);
        List<PackId> heard = Collections.synchronizedList(new ArrayList<>());
        outbox.setListener(heard::add);

        List<PackFormat.IndexEntry> expected = new ArrayList<>();
        List<byte[]> payloads = new ArrayList<>();
        ChunkLocation last = null;
        for (int i = 0; i < 3; i++) {
            ChunkId id = chunkId();
            byte[] sealed = bytes(400);
            last = outbox.append(id, sealed, 1000 + i);
            expected.add(new PackFormat.IndexEntry(id, last.offset(), 400, 1000 + i));
            payloads.add(sealed);
            if (i < 2) {
                assertTrue(heard.isEmpty(), "still open after " + (i + 1) + " chunks");
            }
        }
        assertEquals(1, heard.size());
        PackId packId = heard.get(0);
        assertEquals(packId, last.pack());
        assertFalse(outbox.hasOpenPack());
        PackRecord record = pack(packId);
        assertEquals(PackState.SEALED, record.state());
        Path file = dir.resolve("outbox").resolve(PackFormat.fileName(packId));
        assertEquals(Files.size(file), record.size());
        assertEquals(record.size(), outbox.waitingBytes());
        assertEquals(expected, readIndex(packId));

        byte[] content = Files.readAllBytes(file);
        for (int i = 0; i < 3; i++) {
            PackFormat.IndexEntry e = expected.get(i);
            assertEquals(8 + 400L * i, e.offset());
            assertArrayEquals(payloads.get(i), Arrays.copyOfRange(content, (int) e.offset(), (int) e.offset() + 400));
        }

        ChunkLocation next = outbox.append(chunkId(), bytes(10), 10);
        assertTrue(outbox.hasOpenPack());
        assertFalse(next.pack().equals(packId), "a new pack is opened after one closes");
    }

    @Test
    void sealOpenPack_closesASmallPack_andTellsTheListener() throws Exception {
        Outbox outbox = outbox(1 << 20, 1L << 30);
        List<PackId> heard = new ArrayList<>();
        outbox.setListener(heard::add);
        outbox.sealOpenPack(); // nothing open: nothing happens
        assertTrue(heard.isEmpty());

        ChunkLocation at = outbox.append(chunkId(), bytes(100), 100);
        outbox.sealOpenPack();
        assertEquals(List.of(at.pack()), heard);
        assertEquals(PackState.SEALED, pack(at.pack()).state());
        assertEquals(1, readIndex(at.pack()).size());
    }

    @Test
    void recover_closesAPackLeftOpen_andListsItWithTheSealedOnes() throws Exception {
        Outbox before = outbox(1000, 1L << 30);
        ChunkId a = chunkId();
        ChunkId b = chunkId();
        // one full pack, sealed before the crash
        ChunkLocation sealedLoc = before.append(chunkId(), bytes(1200), 1200);
        assertFalse(before.hasOpenPack());
        // a pack still open at the crash with two committed chunks
        ChunkLocation la = before.append(a, bytes(300), 3000);
        ChunkLocation lb = before.append(b, bytes(200), 2000);
        PackId openId = la.pack();
        meta.write(w -> {
            w.putChunk(new ChunkRecord(a, openId, la.offset(), la.sealedLength(), 3000, 1));
            w.putChunk(new ChunkRecord(b, openId, lb.offset(), lb.sealedLength(), 2000, 1));
            return null;
        });
        before.close(); // crash: the open pack has no trailer
        Path openFile = dir.resolve("outbox").resolve(PackFormat.fileName(openId));
        // a torn append of a chunk that never got committed
        Files.write(openFile, bytes(77), StandardOpenOption.APPEND);
        assertEquals(PackState.OPEN, pack(openId).state());

        Outbox after = outbox(1000, 1L << 30);
        List<PackId> waiting = after.recover();

        assertEquals(2, waiting.size());
        assertTrue(waiting.contains(openId));
        assertTrue(waiting.contains(sealedLoc.pack()));
        PackRecord recovered = pack(openId);
        assertEquals(PackState.SEALED, recovered.state());
        assertEquals(Files.size(openFile), recovered.size());
        assertEquals(List.of(new PackFormat.IndexEntry(a, la.offset(), 300, 3000),
                new PackFormat.IndexEntry(b, lb.offset(), 200, 2000)), readIndex(openId));
        assertEquals(recovered.size() + pack(sealedLoc.pack()).size(), after.waitingBytes());
    }

    @Test
    void recover_packShorterThanItsChunks_dropsTheLostChunks_andStillOpens() throws Exception {
        // a power loss kept LMDB's records of two chunks but only the bytes of the first
        Outbox before = outbox(1 << 20, 1L << 30);
        ChunkId a = chunkId();
        ChunkId b = chunkId();
        ChunkLocation la = before.append(a, bytes(300), 3000);
        ChunkLocation lb = before.append(b, bytes(200), 2000);
        PackId openId = la.pack();
        meta.write(w -> {
            w.putChunk(new ChunkRecord(a, openId, la.offset(), la.sealedLength(), 3000, 1));
            w.putChunk(new ChunkRecord(b, openId, lb.offset(), lb.sealedLength(), 2000, 2));
            w.putPack(pack(openId).withLiveBytes(500));
            w.addToCounter(ChunkStore.STORED_BYTES, 500);
            w.addToCounter(ChunkStore.LOGICAL_BYTES, 3000 + 2 * 2000);
            return null;
        });
        before.close();
        Path openFile = dir.resolve("outbox").resolve(PackFormat.fileName(openId));
        try (var ch = java.nio.channels.FileChannel.open(openFile, StandardOpenOption.WRITE)) {
            ch.truncate(lb.offset() + 50); // b's bytes never reached the disk
        }

        List<PackId> waiting = assertDoesNotThrow(() -> outbox(1 << 20, 1L << 30).recover());

        assertTrue(waiting.contains(openId));
        assertEquals(PackState.SEALED, pack(openId).state());
        assertEquals(300, pack(openId).liveBytes());
        assertTrue(meta.read(r -> r.chunk(a)).isPresent());
        assertTrue(meta.read(r -> r.chunk(b)).isEmpty(), "a chunk whose bytes are gone is forgotten");
        assertEquals(List.of(new PackFormat.IndexEntry(a, la.offset(), 300, 3000)), readIndex(openId));
        assertEquals(300L, (long) meta.read(r -> r.counter(ChunkStore.STORED_BYTES)));
        assertEquals(3000L, (long) meta.read(r -> r.counter(ChunkStore.LOGICAL_BYTES)));
    }

    @Test
    void syncEveryCommit_forcesThePackBeforeEachCommit_andClosingAPackStillWorks() throws Exception {
        meta.close();
        meta = LmdbMetaStore.open(dir.resolve("meta-every-commit"), 64L << 20, true);
        Outbox o = outbox(1000, 1L << 30);
        meta.setSyncOrder(o::forceThen);
        ChunkLocation first = o.append(chunkId(), bytes(600), 600);
        ChunkLocation second = assertDoesNotThrow(() -> o.append(chunkId(), bytes(600), 600)); // closes the pack
        assertEquals(first.pack(), second.pack());
        assertEquals(PackState.SEALED, pack(first.pack()).state());
        assertDoesNotThrow(() -> meta.write(w -> w.addToCounter("x", 1)));
        assertDoesNotThrow(meta::sync);
    }

    @Test
    void recover_openPackRecordWithoutAFile_doesNotPreventOpening() throws Exception {
        PackId orphan = PackId.random(random);
        meta.write(w -> {
            w.putPack(new PackRecord(orphan, PackState.OPEN, 0, 0, null));
            return null;
        });
        Outbox outbox = outbox(1000, 1L << 30);
        List<PackId> waiting = assertDoesNotThrow(outbox::recover);
        assertFalse(waiting.contains(orphan) && !Files.exists(dir.resolve("outbox").resolve(PackFormat.fileName(orphan))),
                "a pack listed for upload must exist");
    }

    @Test
    void append_overTheOutboxLimit_waits_untilAnUploadMakesRoom() throws Exception {
        Outbox outbox = outbox(1000, 1000);
        ChunkLocation first = outbox.append(chunkId(), bytes(1100), 1100); // closes a pack of > 1000 bytes
        assertFalse(outbox.hasOpenPack());
        long waiting = pack(first.pack()).size();
        assertTrue(waiting >= 1000);

        CountDownLatch appended = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try {
                outbox.append(chunkId(), bytes(50), 50);
                appended.countDown();
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "outbox-writer");
        writer.setDaemon(true);
        writer.start();
        Await.parked(writer);
        assertEquals(1, appended.getCount(), "append went through although the outbox is full");

        outbox.uploaded(first.pack(), waiting);
        assertTrue(appended.await(10, TimeUnit.SECONDS), "append did not resume after the upload");
        assertNull(failure.get());
        writer.join(10_000);
    }

    @Test
    void uploaded_neverTakesWaitingBytesBelowZero() throws Exception {
        Outbox outbox = outbox(1000, 1L << 30);
        outbox.uploaded(PackId.random(random), 5000);
        assertEquals(0, outbox.waitingBytes());
        outbox.append(chunkId(), bytes(10), 10);
        assertEquals(8 + 10, outbox.waitingBytes(), "the open pack counts as waiting");
    }

    @Test
    void waitingPacks_countSealedPacks_untilUploaded_andTheOldestAgesFromItsSeal() throws Exception {
        Outbox outbox = outbox(1000, 1L << 30);
        assertEquals(0, outbox.waitingPacks());
        assertEquals(java.time.Duration.ZERO, outbox.oldestWaitingAge(java.time.Instant.now()));
        ChunkLocation first = outbox.append(chunkId(), bytes(1100), 1100);
        ChunkLocation second = outbox.append(chunkId(), bytes(1100), 1100);
        assertEquals(2, outbox.waitingPacks());
        java.time.Instant sealed = Files.getLastModifiedTime(dir.resolve("outbox").resolve(PackFormat.fileName(first.pack())))
                .toInstant();
        assertEquals(java.time.Duration.ofMinutes(5), outbox.oldestWaitingAge(sealed.plusSeconds(300)));

        outbox.uploaded(first.pack(), pack(first.pack()).size());
        assertEquals(1, outbox.waitingPacks());
        outbox.uploaded(second.pack(), pack(second.pack()).size());
        assertEquals(0, outbox.waitingPacks());
        assertEquals(java.time.Duration.ZERO, outbox.oldestWaitingAge(sealed.plusSeconds(300)));
    }
}
