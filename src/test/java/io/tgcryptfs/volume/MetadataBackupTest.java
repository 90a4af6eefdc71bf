package io.tgcryptfs.volume;

import io.tgcryptfs.backend.local.LocalBlobStore;
import io.tgcryptfs.crypto.KdfParams;
import io.tgcryptfs.crypto.NewVolume;
import io.tgcryptfs.crypto.VolumeKeys;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.lmdb.LmdbMetaStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetadataBackupTest {
    @TempDir
    Path dir;
    private final SecureRandom random = new SecureRandom();
    private VolumeKeys keys;
    private NewVolume volume;
    private LocalBlobStore backend;
    private MetaStore meta;
    private MetadataBackup backup;

    @BeforeEach
    void setUp() throws Exception {
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        volume = VolumeKeys.create("pw".toCharArray(), 4096, new KdfParams(8192, 1, 1, salt), random);
        keys = volume.keys();
        backend = new LocalBlobStore(dir.resolve("backend"));
        meta = LmdbMetaStore.open(dir.resolve("meta"), 16L << 20);
        backup = new MetadataBackup(backend, keys.metadataCipher(), volume.header().encode(), random, dir);
    }

    @AfterEach
    void tearDown() {
        meta.close();
        keys.close();
    }

    @Test
    void backups_keepTheLatestSnapshotAndTheOneBefore_andDeleteOlderOnes() throws Exception {
        for (int i = 1; i <= 4; i++) {
            long value = i;
            meta.write(w -> {
                w.setCounter("generation", value);
                return null;
            });
            assertTrue(backup.backup(meta, copy -> true, 0).isPresent());
        }
        assertEquals(2, objects().size(), "latest and previous snapshot only");
        assertEquals(4, restoredGeneration());
    }

    @Test
    void restore_whenTheLatestSnapshotIsGone_fallsBackToThePreviousOne() throws Exception {
        for (int i = 1; i <= 2; i++) {
            long value = i;
            meta.write(w -> {
                w.setCounter("generation", value);
                return null;
            });
            backup.backup(meta, copy -> true, 0);
        }
        RootRecord root = RootRecord.decode(backend.getRoot().orElseThrow());
        RootBody body = RootBody.decode(keys.metadataCipher().open(RootRecord.BODY_LABEL, root.sealedBody()));
        backend.delete(body.latest().ref());

        assertEquals(1, restoredGeneration());
    }

    @Test
    void overAReplayedOlderRoot_theNewSnapshotIsNumberedAboveWhatThisMachinePublished() throws Exception {
        MetadataBackup.Published first = backup.backup(meta, copy -> true, 0).orElseThrow();
        assertEquals(1, first.sequence());

        MetadataBackup.Published next = backup.backup(meta, copy -> true, 7).orElseThrow();

        assertEquals(1, next.previousSequence());
        assertEquals(8, next.sequence());
        assertEquals(8, backup.currentSequence());
    }

    @Test
    void aCopyThatReferencesUnuploadedPacks_isNotPublished() throws Exception {
        assertTrue(backup.backup(meta, copy -> false, 0).isEmpty());
        assertTrue(backend.getRoot().isEmpty());
        assertEquals(0, objects().size());
    }

    private long restoredGeneration() throws Exception {
        Path target = dir.resolve("restored-" + random.nextInt(1_000_000));
        assertTrue(backup.restoreInto(target));
        try (MetaStore restored = LmdbMetaStore.open(target, 16L << 20)) {
            return restored.read(r -> r.counter("generation"));
        }
    }

    private List<Path> objects() throws Exception {
        try (Stream<Path> files = Files.list(dir.resolve("backend").resolve("objects"))) {
            return files.toList();
        }
    }
}
