package io.tgcryptfs.timemachine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparseBundleTest {
    @TempDir
    Path dir;

    @Test
    void create_writesInfoPlistItsBackupTokenAndBands() throws Exception {
        SparseBundle bundle = SparseBundle.create(dir, "MacBackup", 500L << 30, SparseBundle.DEFAULT_BAND_SIZE);

        assertEquals(dir.resolve("MacBackup.sparsebundle"), bundle.dir());
        String plist = Files.readString(bundle.dir().resolve("Info.plist"));
        assertTrue(plist.contains("<string>com.apple.diskimage.sparsebundle</string>"), plist);
        assertTrue(plist.contains("<key>band-size</key>\n\t<integer>8388608</integer>"), plist);
        assertTrue(plist.contains("<key>size</key>\n\t<integer>536870912000</integer>"), plist);
        assertArrayEquals(Files.readAllBytes(bundle.dir().resolve("Info.plist")),
                Files.readAllBytes(bundle.dir().resolve("Info.bckup")));
        assertEquals(0, Files.size(bundle.dir().resolve("token")));
        assertTrue(Files.isDirectory(bundle.dir().resolve("bands")));
    }

    @Test
    void summary_countsBandsAndTheirBytes() throws Exception {
        SparseBundle bundle = SparseBundle.create(dir, "B.sparsebundle", 1L << 30, SparseBundle.DEFAULT_BAND_SIZE);
        Files.write(bundle.dir().resolve("bands").resolve("0"), new byte[4096]);
        Files.write(bundle.dir().resolve("bands").resolve("1f"), new byte[100]);

        SparseBundle.Summary s = bundle.summary();
        assertEquals(1L << 30, s.sizeBytes());
        assertEquals(SparseBundle.DEFAULT_BAND_SIZE, s.bandSize());
        assertEquals(2, s.bands());
        assertEquals(4196, s.bandBytes());
        assertTrue(s.lastActivity().isPresent());
    }

    @Test
    void create_overAnExistingBundle_isRefused() throws Exception {
        SparseBundle.create(dir, "X", 1L << 20, SparseBundle.DEFAULT_BAND_SIZE);
        assertThrows(FileAlreadyExistsException.class,
                () -> SparseBundle.create(dir, "X", 1L << 20, SparseBundle.DEFAULT_BAND_SIZE));
    }

    @Test
    void create_withANameContainingASlash_isRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> SparseBundle.create(dir, "a/b", 1L << 20, SparseBundle.DEFAULT_BAND_SIZE));
    }
}
