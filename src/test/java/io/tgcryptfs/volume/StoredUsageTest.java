package io.tgcryptfs.volume;

import io.tgcryptfs.fs.FileKind;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.gateway.Caller;
import io.tgcryptfs.meta.PackRecord;
import io.tgcryptfs.meta.PackState;
import io.tgcryptfs.testing.FixtureOptions;
import io.tgcryptfs.testing.VolumeFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-directory stored and pending bytes from block maps. Blocks of 4 KiB, bands of 16 KiB, no uploads. */
class StoredUsageTest extends VolumeFixture {
    private static final int BS = 4096;

    StoredUsageTest() {
        super(8);
    }

    @BeforeEach
    void open() {
        openVolume(FixtureOptions.defaults().blockSize(BS).bandSize(4 * BS).uploads(false));
    }

    private void bundle(String name, int bands, int bandBytes) {
        vol.gateway.mknod("/" + name, FileKind.DIRECTORY, 0755, 0, Caller.ROOT);
        vol.gateway.mknod("/" + name + "/bands", FileKind.DIRECTORY, 0755, 0, Caller.ROOT);
        vol.writeFile("/" + name + "/Info.plist", "<plist>".repeat(14).getBytes(java.nio.charset.StandardCharsets.UTF_8)); // 98 bytes
        for (int b = 0; b < bands; b++) {
            vol.writeFile("/" + name + "/bands/" + Integer.toHexString(b), bytes(bandBytes));
        }
    }

    private StoredUsage usage(String... names) {
        return StoredUsage.of(vol.stores.meta, List.of(names), BS);
    }

    @Test
    void eachBundle_countsOnlyItsOwnBlocks_allPendingUntilTheirPacksAreUploaded() {
        bundle("a.sparsebundle", 2, 5 * BS);
        bundle("b.sparsebundle", 3, 16 * BS + 10);
        vol.gateway.syncAll();

        StoredUsage a = usage("a.sparsebundle");
        StoredUsage b = usage("b.sparsebundle");
        assertEquals(3, a.files());
        assertEquals(4, b.files());
        assertEquals(2 * 5 * BS + 98, a.plainBytes());
        assertEquals(3 * (16 * BS + 10) + 98, b.plainBytes());
        assertTrue(a.storedBytes() > 2 * 5 * BS, "random data does not shrink: " + a);
        assertTrue(b.storedBytes() > 3 * a.storedBytes() / 2, a + " vs " + b);
        assertEquals(a.storedBytes(), a.pendingBytes(), "nothing is uploaded");
        assertEquals(b.storedBytes(), b.pendingBytes());
        assertEquals(a.storedBytes() + b.storedBytes(), usage().storedBytes(), "the root holds both");

        vol.stores.meta.write(w -> {
            for (PackState state : List.of(PackState.OPEN, PackState.SEALED)) {
                vol.stores.meta.read(r -> r.packs(state)).forEach((PackRecord p) -> w.putPack(p.uploaded("ref-" + p.id())));
            }
            return null;
        });
        StoredUsage uploaded = usage("a.sparsebundle");
        assertEquals(a.storedBytes(), uploaded.storedBytes());
        assertEquals(0, uploaded.pendingBytes(), "every pack is on the backend");
    }

    @Test
    void aSingleFile_isCounted_andAMissingPathIsNotFound() {
        bundle("c.sparsebundle", 1, 3 * BS);
        vol.gateway.syncAll();
        assertEquals(3 * BS, usage("c.sparsebundle", "bands", "0").plainBytes());
        FsException e = assertThrows(FsException.class, () -> usage("nope.sparsebundle"));
        assertEquals(FsError.NOT_FOUND, e.error());
    }
}
