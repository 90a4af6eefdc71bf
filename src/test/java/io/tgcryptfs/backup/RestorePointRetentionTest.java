package io.tgcryptfs.backup;

import io.tgcryptfs.testing.ManualClock;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.PackRecord;
import io.tgcryptfs.meta.PackState;
import io.tgcryptfs.meta.lmdb.LmdbMetaStore;
import io.tgcryptfs.testing.FakeBlobStore;
import io.tgcryptfs.testing.SyntheticVolume;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Kept restore points stay restorable; expired ones leave nothing behind; retired packs wait for them. */
class RestorePointRetentionTest {
    private static final int FILES = 50;

    @TempDir
    Path dir;
    private final FakeBlobStore backend = new FakeBlobStore();
    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-01T12:00:00Z"));
    private LogRig rig;

    @BeforeEach
    void setUp() {
        rig = new LogRig(dir.resolve("writer"), backend, 1L << 20, new Retention(Duration.ZERO, 0, 3), clock);
        SyntheticVolume.build(rig.meta, rig.keys.chunkIds(), FILES, 500, 50);
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    @Test
    void dailyPoints_stayRestorableAsTheyWere_andExpiredOnesLeaveNoObjectBehind() throws Exception {
        List<SyntheticVolume.Fingerprint> states = new ArrayList<>();
        for (int day = 0; day < 6; day++) {
            SyntheticVolume.touchFile(rig.meta, rig.keys.chunkIds(), FILES, day, day + 1);
            publishOne();
            states.add(SyntheticVolume.fingerprint(rig.meta));
            clock.advance(Duration.ofDays(1));
        }
        List<KeptPoint> kept = new RestorePoints(rig.meta, clock).kept();
        assertEquals(3, kept.size(), "one point a day for three days: " + kept);
        assertEquals(referencedObjects(kept), backend.objectNames(), "nothing but the kept points' objects");

        KeptPoint oldest = kept.get(0);
        try (MetaStore restored = LmdbMetaStore.open(dir.resolve("old").resolve("meta"), 1L << 30)) {
            rig.restorer(dir.resolve("old")).restorePoint(oldest.pointRef(), rig.root(), restored, p -> { });
            assertEquals(states.get(3), SyntheticVolume.fingerprint(restored), "the point from three days ago, as it was");
        }
    }

    @Test
    void aRetiredPack_isDeletableOnlyOnceNoKeptPointCanMentionIt() throws Exception {
        PackId pack = rig.meta.read(r -> r.packs(PackState.UPLOADED)).get(0).id();
        publishOne();
        clock.advance(Duration.ofDays(1));
        rig.meta.write(w -> {
            PackRecord p = w.pack(pack).orElseThrow();
            w.putPack(p.withState(PackState.RETIRED));
            return null;
        });
        RestorePoints points = new RestorePoints(rig.meta, clock);
        for (int day = 1; day <= 2; day++) {
            SyntheticVolume.touchFile(rig.meta, rig.keys.chunkIds(), FILES, day, day + 1);
            publishOne();
            assertFalse(points.retiredPacksNoPointNeeds().contains(pack), "day " + day + ": day 0's point still mentions it");
            clock.advance(Duration.ofDays(1));
        }
        SyntheticVolume.touchFile(rig.meta, rig.keys.chunkIds(), FILES, 3, 4);
        publishOne(); // three daily points kept: day 0's expires
        assertTrue(points.retiredPacksNoPointNeeds().contains(pack), "every kept point was captured after the retirement");
    }

    private void publishOne() throws Exception {
        long sequence = rig.capture.capture(true).orElseThrow();
        assertEquals(sequence, rig.publisher.publishReady().orElseThrow());
    }

    private Set<String> referencedObjects(List<KeptPoint> kept) throws Exception {
        Set<String> names = new HashSet<>();
        for (KeptPoint k : kept) {
            names.add(k.name());
            Manifest m = Manifest.decode(rig.keys.metadataCipher().open(Manifest.label(k.name()),
                    backend.object(k.name()).orElseThrow()));
            m.segments().forEach(s -> names.add(s.name()));
        }
        return names;
    }
}
