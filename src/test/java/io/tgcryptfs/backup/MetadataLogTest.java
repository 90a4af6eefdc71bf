package io.tgcryptfs.backup;

import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.PackRecord;
import io.tgcryptfs.meta.PackState;
import io.tgcryptfs.testing.FakeBlobStore;
import io.tgcryptfs.testing.SyntheticVolume;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetadataLogTest {
    private static final int FILES = 2_000;
    private static final long BLOCKS = 40_000;
    private static final long SEGMENT = 1L << 20;

    @TempDir
    Path dir;
    private final FakeBlobStore backend = new FakeBlobStore();
    private LogRig rig;

    @BeforeEach
    void setUp() {
        rig = new LogRig(dir.resolve("writer"), backend, SEGMENT);
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    @Test
    void aRestoredPoint_equalsTheWriter_inEveryReplicatedRecord() throws Exception {
        SyntheticVolume.build(rig.meta, rig.keys.chunkIds(), FILES, BLOCKS, 500);
        publishOne();
        SyntheticVolume.touchFile(rig.meta, rig.keys.chunkIds(), FILES, 7, 1);
        publishOne();

        try (MetaStore restored = rig.restoreInto(dir.resolve("new-machine"))) {
            assertEquals(SyntheticVolume.fingerprint(rig.meta), SyntheticVolume.fingerprint(restored));
        }
    }

    @Test
    void aCheckpoint_isCutIntoObjectsNoLargerThanTheSegmentSize() throws Exception {
        SyntheticVolume.build(rig.meta, rig.keys.chunkIds(), FILES, BLOCKS, 500);
        long before = backend.bytesStored();
        publishOne();
        Manifest m = manifest();
        assertTrue(m.segments().size() > 3, "a checkpoint of several MiB is several segments: " + m.segments().size());
        for (SegmentRef s : m.segments()) {
            assertTrue(s.sealedBytes() <= SEGMENT, s + " fits the object size");
        }
        assertTrue(backend.bytesStored() - before > 3 * SEGMENT);
    }

    @Test
    void afterOneFileChanges_theNextBackup_sendsLessThanOneMiB() throws Exception {
        SyntheticVolume.build(rig.meta, rig.keys.chunkIds(), FILES, BLOCKS, 500);
        publishOne();
        long before = backend.bytesStored();
        SyntheticVolume.touchFile(rig.meta, rig.keys.chunkIds(), FILES, 1234, 1);
        publishOne();
        long sent = backend.bytesStored() - before;
        assertTrue(sent < 64 * 1024, "one changed file costs kilobytes, not the volume: " + sent + " bytes");
        assertEquals(1, manifest().segments().size() - checkpointSegments(), "the delta is one segment on top");
    }

    @Test
    void nothingChanged_capturesNothing_unlessForced() throws Exception {
        SyntheticVolume.build(rig.meta, rig.keys.chunkIds(), 10, 10, 10);
        publishOne();
        assertTrue(rig.capture.capture(false).isEmpty());
        assertTrue(rig.capture.capture(true).isPresent());
    }

    @Test
    void aPoint_waitsForItsPacks_andRestoresThemAsUploaded() throws Exception {
        SyntheticVolume.build(rig.meta, rig.keys.chunkIds(), 10, 10, 10);
        PackId pending = PackId.random(rig.random);
        rig.meta.write(w -> {
            w.putPack(new PackRecord(pending, PackState.SEALED, 1000, 900, null));
            return null;
        });
        long sequence = rig.capture.capture(true).orElseThrow();
        assertTrue(rig.publisher.publishReady().isEmpty(), "not before its pack is on the backend");
        assertTrue(backend.getRoot().isEmpty());

        rig.meta.write(w -> {
            w.putPack(w.pack(pending).orElseThrow().uploaded("ref-pending").withSize(1200, 700));
            return null;
        });
        assertEquals(sequence, rig.publisher.publishReady().orElseThrow());

        try (MetaStore restored = rig.restoreInto(dir.resolve("new-machine"))) {
            PackRecord p = restored.read(r -> r.pack(pending)).orElseThrow();
            assertEquals(PackState.UPLOADED, p.state());
            assertEquals("ref-pending", p.remoteRef());
            assertEquals(900, p.liveBytes(), "live bytes as the point saw them");
            assertTrue(restored.read(r -> r.packs(PackState.SEALED)).isEmpty());
        }
    }

    @Test
    void aPointWaitingForTheOpenPack_asksForItToBeSealed() throws Exception {
        rig.meta.write(w -> {
            w.putPack(new PackRecord(PackId.random(rig.random), PackState.OPEN, 10, 10, null));
            return null;
        });
        rig.capture.capture(true);
        rig.publisher.publishReady();
        assertEquals(1, rig.sealRequests.get());
    }

    @Test
    void rootPublishesAnswered429FiveTimes_retryTheRootAlone_andLeaveOneCopyOfEachObject() throws Exception {
        SyntheticVolume.build(rig.meta, rig.keys.chunkIds(), FILES, BLOCKS, 500);
        for (int i = 0; i < 5; i++) {
            backend.failNextRoots(FakeBlobStore.rateLimited(Duration.ofSeconds(3)));
        }
        publishOne();
        assertEquals(1, backend.rootPuts());
        assertTrue(rig.sleeps.stream().filter(Duration.ofSeconds(3)::equals).count() >= 5, "retry_after honoured");
        backend.storedCounts().forEach((name, n) -> assertEquals(1, n, name + " stored once"));
        assertEquals(referencedObjects(), backend.objectNames(), "nothing but the point's objects on the backend");
    }

    @Test
    void aRootPublishThatKeepsFailing_reusesTheUploadedManifest_nextTime() throws Exception {
        SyntheticVolume.build(rig.meta, rig.keys.chunkIds(), 10, 10, 10);
        for (int i = 0; i < 8; i++) {
            backend.failNextRoots(FakeBlobStore.transientFailure());
        }
        rig.capture.capture(true);
        assertThrows(BackendException.class, () -> rig.publisher.publishReady());
        rig.publisher.publishReady();
        backend.storedCounts().forEach((name, n) -> assertEquals(1, n, name + " stored once"));
        assertEquals(referencedObjects(), backend.objectNames());
    }

    @Test
    void oldCheckpointsAndManifests_areDeleted_onceNeitherKeptPointNeedsThem() throws Exception {
        SyntheticVolume.build(rig.meta, rig.keys.chunkIds(), 200, 2000, 100);
        for (int v = 1; v <= 12; v++) {
            SyntheticVolume.touchFile(rig.meta, rig.keys.chunkIds(), 200, v, v);
            publishOne();
            // force checkpoints now and then through the ratio: deltas are tiny, so use a fresh capture policy
            if (v % 4 == 0) {
                rig.meta.write(w -> {
                    LogBook.setCheckpoint(w, new LogBook.Checkpoint(LogBook.checkpoint(w).sequence(), 1, 1, 1));
                    return null;
                });
            }
        }
        assertEquals(referencedObjects(), backend.objectNames(), "only the newest and the fallback point's objects");
        try (MetaStore restored = rig.restoreInto(dir.resolve("new-machine"))) {
            assertEquals(SyntheticVolume.fingerprint(rig.meta), SyntheticVolume.fingerprint(restored));
        }
    }

    @Test
    void anInterruptedRestore_resumesWhereItStopped() throws Exception {
        SyntheticVolume.build(rig.meta, rig.keys.chunkIds(), FILES, BLOCKS, 500);
        publishOne();
        int segments = manifest().segments().size();
        Path target = dir.resolve("new-machine");
        MetaStore restored = io.tgcryptfs.meta.lmdb.LmdbMetaStore.open(target.resolve("meta"), 8L << 30);
        int[] seen = {0};
        assertThrows(IllegalStateException.class, () -> rig.restorer(target).restore(rig.root(), restored, p -> {
            if (++seen[0] == 3) {
                throw new IllegalStateException("power cut");
            }
        }));
        assertTrue(MetadataRestore.resumable(restored, rig.root()));
        int gets = backend.gets();
        rig.restorer(target).restore(rig.root(), restored, p -> { });
        assertEquals(segments - 2 + 1, backend.gets() - gets, "the manifest and the segments not applied yet");
        assertEquals(SyntheticVolume.fingerprint(rig.meta), SyntheticVolume.fingerprint(restored));
        restored.close();
    }

    @Test
    void aTamperedSegment_failsTheRestore_asAnIntegrityError() throws Exception {
        SyntheticVolume.build(rig.meta, rig.keys.chunkIds(), 10, 10, 10);
        publishOne();
        Manifest m = manifest();
        String victim = m.segments().get(0).name();
        // a backend that serves another segment's bytes under the victim's name
        assertTrue(backend.object(victim).isPresent());
        byte[] swapped = rig.keys.metadataCipher().seal(SegmentRef.label("0".repeat(32)), new byte[] {1});
        java.nio.file.Path f = dir.resolve("swap");
        java.nio.file.Files.write(f, swapped);
        backend.put(victim, f);
        assertThrows(io.tgcryptfs.crypto.IntegrityException.class, () -> rig.restoreInto(dir.resolve("new-machine")));
    }

    @Test
    void aBackendRootNewerThanThisMachineKnows_isNeverOverwritten() throws Exception {
        SyntheticVolume.build(rig.meta, rig.keys.chunkIds(), 10, 10, 10);
        publishOne();
        RootBody body = rig.root();
        RootBody newer = new RootBody(RootBody.VERSION, body.sequence() + 5, body.latest(), body.previous());
        backend.putRoot(RootRecord.seal(rig.volume.header().encode(), newer, rig.keys.metadataCipher()));
        rig.capture.capture(true);
        assertThrows(PointPublisher.NewerRootException.class, () -> rig.publisher.publishReady());
        assertEquals(body.sequence() + 5, rig.root().sequence());

        rig.publisher.adoptBackendSequence(); // the user's explicit confirmation
        rig.capture.capture(true);
        long published = rig.publisher.publishReady().orElseThrow();
        assertTrue(published > body.sequence() + 5, "numbered above the root it replaces");
        assertEquals(published, rig.root().sequence());
    }

    private void publishOne() throws Exception {
        long sequence = rig.capture.capture(true).orElseThrow();
        assertEquals(sequence, rig.publisher.publishReady().orElseThrow());
    }

    private Manifest manifest() throws Exception {
        RootBody.PointRef latest = rig.root().latest();
        return Manifest.decode(rig.keys.metadataCipher().open(Manifest.label(latest.name()),
                backend.object(latest.name()).orElseThrow()));
    }

    private int checkpointSegments() {
        return Math.toIntExact(rig.meta.read(r -> LogBook.segmentEntries(r).stream()
                .filter(e -> LogBook.pointOfSegmentName(e) == LogBook.checkpoint(r).sequence()).count()));
    }

    /** Objects the kept points reference: the newest's manifest lists the others in its catalog. */
    private Set<String> referencedObjects() throws Exception {
        Manifest newest = manifest();
        Set<String> names = new HashSet<>();
        List<String> manifests = new java.util.ArrayList<>(List.of(rig.root().latest().name()));
        newest.earlier().forEach(k -> manifests.add(k.name()));
        for (String name : manifests) {
            names.add(name);
            Manifest m = Manifest.decode(rig.keys.metadataCipher().open(Manifest.label(name),
                    backend.object(name).orElseThrow()));
            m.segments().forEach(s -> names.add(s.name()));
        }
        return names;
    }
}
