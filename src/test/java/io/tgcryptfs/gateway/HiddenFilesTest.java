package io.tgcryptfs.gateway;

import io.tgcryptfs.fs.FileKind;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.testing.FixtureOptions;
import io.tgcryptfs.testing.VolumeFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.tgcryptfs.gateway.FsGatewayFileDataTest.assertFsError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * libfuse 2 (without hard_remove) unlinks a name that has an open handle by renaming it to a hidden
 * name, which it uses for the open file's path calls and unlinks after the last release. These drive
 * the gateway with exactly those calls.
 */
class HiddenFilesTest extends VolumeFixture {
    private static final String HIDDEN = "/.fuse_hidden0000000100000001";

    HiddenFilesTest() {
        super(5);
    }

    @BeforeEach
    void open() {
        openVolume(FixtureOptions.defaults().uploads(false));
    }

    private List<String> names(String dir) {
        return Listings.of(gw, dir).stream().map(Listing::name).toList();
    }

    /** What libfuse does for unlink(path) while path is open. */
    private void unlinkWhileOpen(String path, String hidden) {
        gw.rename(path, hidden);
    }

    @Test
    void anOpenFileUnlinked_isGoneFromListings_hasNoLinks_andIsStillReachableByItsHiddenName() {
        byte[] data = bytes(10_000);
        vol.writeFile("/f", data);
        long h = gw.open("/f");
        unlinkWhileOpen("/f", HIDDEN);

        assertEquals(List.of(".", ".."), names("/"));
        assertFsError(FsError.NOT_FOUND, () -> gw.getattr("/f"));
        assertEquals(0, gw.getattr(h).nlink());
        assertEquals(0, gw.getattr(HIDDEN).nlink(), "fstat through libfuse's hidden path");
        assertArrayEquals(data, gw.read(h, 0, data.length));
        long ino = gw.getattr(h).ino();

        gw.release(h);
        gw.unlink(HIDDEN);
        assertTrue(vol.stores.meta.read(r -> r.inode(ino)).isEmpty(), "deleted");
        assertFsError(FsError.NOT_FOUND, () -> gw.getattr(HIDDEN));
    }

    @Test
    void anOpenHardLinkedName_unlinked_leavesTheFileItsOtherName() {
        byte[] data = bytes(5_000);
        vol.writeFile("/a", data);
        gw.link("/a", "/b");
        long h = gw.open("/a");
        unlinkWhileOpen("/a", HIDDEN);
        assertEquals(1, gw.getattr("/b").nlink());
        assertEquals(List.of(".", "..", "b"), names("/"));

        gw.release(h);
        gw.unlink(HIDDEN);
        assertEquals(1, gw.getattr("/b").nlink(), "/b is still a name of the file");
        assertEquals(List.of(".", "..", "b"), names("/"));
        assertArrayEquals(data, vol.readFile("/b"));
    }

    @Test
    void aDirectoryHoldingOnlyAnUnlinkedOpenFile_isEmpty() {
        gw.mknod("/d", FileKind.DIRECTORY, 0755, 0, Caller.ROOT);
        vol.writeFile("/d/f", bytes(100));
        long h = gw.open("/d/f");
        unlinkWhileOpen("/d/f", "/d/.fuse_hidden0000000200000001");
        gw.rmdir("/d");
        assertEquals(List.of(".", ".."), names("/"));
        gw.release(h);
    }

    @Test
    void anUnlinkedOpenFileWhoseDirectoryWent_isServedByInodeNumber_andDeletedAtItsLastClose() {
        gw.mknod("/d", FileKind.DIRECTORY, 0755, 0, Caller.ROOT);
        long dir = gw.getattr("/d").ino();
        vol.writeFile("/d/f", bytes(5_000));
        long h = gw.open("/d/f");
        long ino = gw.getattr(h).ino();
        String hidden = ".fuse_hidden0000000300000001";
        unlinkWhileOpen("/d/f", "/d/" + hidden);
        gw.rmdir("/d");
        assertTrue(vol.namespace.hiddenFiles().find(dir, hidden).isEmpty(),
                "libfuse has no path to unlink the hidden name by: it went with its directory");

        // what the fuse adapter serves by inode number once libfuse has no path (fuse/PathlessAttributes)
        assertTrue(gw.byInode().isOpen(ino));
        assertEquals(5_000, gw.byInode().stat(ino).inode().size());
        gw.byInode().truncate(ino, 10);
        gw.byInode().chmod(ino, 0600, io.tgcryptfs.engine.TimeChange.Now.INSTANCE);
        var at = new io.tgcryptfs.engine.TimeChange.At(new io.tgcryptfs.fs.Timestamp(1_000_000, 5));
        gw.byInode().setTimes(ino, at, at, io.tgcryptfs.engine.TimeChange.Now.INSTANCE);
        var after = gw.byInode().stat(ino).inode();
        assertEquals(10, after.size());
        assertEquals(0600, after.mode());
        assertEquals(new io.tgcryptfs.fs.Timestamp(1_000_000, 5), after.mtime());
        assertEquals(0, after.nlink());
        gw.byInode().setxattr(ino, "user.k", new byte[] {1, 2}, io.tgcryptfs.engine.XattrMode.UPSERT);
        gw.byInode().setxattr(ino, "user.j", new byte[0], io.tgcryptfs.engine.XattrMode.CREATE_ONLY);
        gw.byInode().removexattr(ino, "user.j");
        assertArrayEquals(new byte[] {1, 2}, gw.byInode().getxattr(ino, "user.k"));
        assertEquals(List.of("user.k"), gw.byInode().listxattr(ino));
        assertFsError(FsError.NO_ATTRIBUTE, () -> gw.byInode().getxattr(ino, "user.j"));

        gw.release(h); // libfuse, without a path, unlinks no hidden name after it
        assertTrue(vol.stores.meta.read(r -> r.inode(ino)).isEmpty(), "deleted at its last close");
        assertTrue(!gw.byInode().isOpen(ino));
    }

    @Test
    void aUsersOwnFileWithAHiddenLookingName_isAnOrdinaryFile() {
        vol.writeFile(HIDDEN, new byte[] {7});
        assertEquals(List.of(".", "..", HIDDEN.substring(1)), names("/"));
        assertEquals(1, gw.getattr(HIDDEN).nlink());
        gw.unlink(HIDDEN);
        assertEquals(List.of(".", ".."), names("/"));
    }

    @Test
    void afterARemount_nothingOfAHiddenFileIsLeft() {
        vol.writeFile("/f", bytes(3_000));
        gw.open("/f");
        unlinkWhileOpen("/f", HIDDEN);
        vol.close(); // the handle is never released: a crash or an unmount with the file open
        openVolume(FixtureOptions.defaults().uploads(false));
        assertEquals(List.of(".", ".."), names("/"));
        assertFsError(FsError.NOT_FOUND, () -> gw.getattr(HIDDEN));
        assertEquals(1, gw.statfs().inodes(), "only the root: the orphan was purged at start-up");
    }

    /** A directory removed while open is kept unnamed until its last close, or the next start. */
    @Test
    void aDirectoryRemovedWhileOpen_livesUntilItsLastClose_orTheNextStart() {
        gw.mknod("/d", FileKind.DIRECTORY, 0755, 0, Caller.ROOT);
        gw.mknod("/e", FileKind.DIRECTORY, 0755, 0, Caller.ROOT);
        long d = gw.opendir("/d");
        long e = gw.opendir("/e");
        long dIno = gw.getattr("/d").ino();
        gw.rmdir("/d");
        gw.mknod("/x", FileKind.DIRECTORY, 0755, 0, Caller.ROOT);
        gw.rename("/x", "/e"); // an empty directory over the open one

        assertEquals(List.of(".", "..", "e"), names("/"));
        assertEquals(0, gw.byInode().stat(dIno).inode().nlink(), "unnamed, still there");
        gw.byInode().chmod(dIno, 0700, io.tgcryptfs.engine.TimeChange.Now.INSTANCE);
        assertEquals(0700, gw.byInode().stat(dIno).inode().mode());
        gw.release(d);
        assertTrue(vol.stores.meta.read(r -> r.inode(dIno)).isEmpty(), "deleted at its last close");

        vol.close(); // e's handle is never released: a crash or an unmount with it open
        openVolume(FixtureOptions.defaults().uploads(false));
        assertEquals(List.of(".", "..", "e"), names("/"));
        assertEquals(2, gw.statfs().inodes(), "the root and the new e: the orphan was purged at start-up");
    }
}
