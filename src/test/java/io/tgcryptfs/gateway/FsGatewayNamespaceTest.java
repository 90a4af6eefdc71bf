package io.tgcryptfs.gateway;

import io.tgcryptfs.engine.PosixAcls;
import io.tgcryptfs.engine.TimeChange;
import io.tgcryptfs.chunk.ChunkStore;
import io.tgcryptfs.engine.XattrMode;
import io.tgcryptfs.fs.FileKind;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.testing.FixtureOptions;
import io.tgcryptfs.testing.VolumeFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.tgcryptfs.gateway.FsGatewayFileDataTest.assertFsError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Names, links, renames, xattrs and statfs through the gateway. */
class FsGatewayNamespaceTest extends VolumeFixture {
    private static final int BS = 4096;

    FsGatewayNamespaceTest() {
        super(99);
    }

    @BeforeEach
    void open() {
        openVolume(FixtureOptions.defaults().blockSize(BS).bandSize(4 * BS).uploads(false));
    }

    private void mkdir(String path) {
        gw.mknod(path, FileKind.DIRECTORY, 0755, 0, Caller.ROOT);
    }

    private List<String> names(String path) {
        return Listings.of(gw, path).stream().map(Listing::name).toList();
    }

    private int nlink(String path) {
        return gw.getattr(path).nlink();
    }

    private long inodeCount() {
        return gw.statfs().inodes();
    }

    @Test
    void mkdir_and_readdir_listDotDotDot_andTheChildren() {
        mkdir("/d");
        vol.writeFile("/d/a", new byte[] {1});
        vol.writeFile("/d/b", new byte[] {2});
        mkdir("/d/sub");
        assertEquals(List.of(".", "..", "a", "b", "sub"), names("/d"));
        List<Listing> listing = Listings.of(gw, "/d/sub");
        assertEquals(gw.getattr("/d/sub").ino(), listing.get(0).inode().ino());
        assertEquals(gw.getattr("/d").ino(), listing.get(1).inode().ino());
        assertEquals(3, nlink("/d"), "itself, its name and sub's ..");
        assertEquals(3, nlink("/"));
        assertFsError(FsError.NOT_DIRECTORY, () -> Listings.of(gw, "/d/a"));
        assertFsError(FsError.NOT_FOUND, () -> Listings.of(gw, "/nope"));
    }

    /**
     * A directory is listed a page at a time, each page in its own read view: every name present
     * throughout is listed exactly once, whatever is added and removed meanwhile, and a sink that is full
     * stops the listing.
     */
    @Test
    void readdir_ofSeveralPages_listsEveryNamePresentThroughoutOnce_whileNamesComeAndGo() {
        mkdir("/big");
        int count = 2 * DirectoryListing.PAGE + 300;
        for (int i = 0; i < count; i++) {
            gw.mknod(String.format("/big/n%05d", i), FileKind.REGULAR, 0644, 0, Caller.ROOT);
        }
        java.util.Set<String> removed = new java.util.HashSet<>();
        List<String> listed = new java.util.ArrayList<>();
        gw.readdir("/big", entry -> {
            listed.add(entry.name());
            if (listed.size() % 700 == 0) { // one ahead of the cursor goes, one behind and one ahead come
                int at = listed.size();
                if (at + 1100 < count) {
                    String ahead = String.format("n%05d", at + 1100);
                    gw.unlink("/big/" + ahead);
                    removed.add(ahead);
                }
                gw.mknod(String.format("/big/m%05d", at), FileKind.REGULAR, 0644, 0, Caller.ROOT);
                gw.mknod(String.format("/big/z%05d", at), FileKind.REGULAR, 0644, 0, Caller.ROOT);
            }
            return true;
        });
        assertEquals(listed.size(), new java.util.HashSet<>(listed).size(), "no name twice");
        for (int i = 0; i < count; i++) {
            String name = String.format("n%05d", i);
            assertTrue(removed.contains(name) || listed.contains(name), name + " was there throughout"); // a removed one may show
        }
        assertEquals(List.of(".", ".."), listed.subList(0, 2));

        List<String> stopped = new java.util.ArrayList<>();
        gw.readdir("/big", entry -> stopped.add(entry.name()) && stopped.size() < 1500);
        assertEquals(1500, stopped.size(), "a full sink stops the listing");
    }

    /** Once the kernel enforces POSIX ACLs, the file system keeps mode and ACL in step and applies the umask. */
    @Test
    void withPosixAclsEnforced_modeFollowsTheAcl_aclFollowsChmod_andNewNodesInheritTheDefaultAcl() {
        gw.enforcePosixAcls();
        java.util.HexFormat hex = java.util.HexFormat.of();
        // user::rw- user:65534:rw- group::r-- mask::rw- other::---
        byte[] named = hex.parseHex("0200000001000600ffffffff02000600feff000004000400ffffffff10000600ffffffff20000000ffffffff");
        vol.writeFile("/f", new byte[0]);
        gw.chmod("/f", 0640, io.tgcryptfs.engine.TimeChange.Now.INSTANCE);
        gw.setxattr("/f", PosixAcls.ACCESS, named, XattrMode.UPSERT);
        assertEquals(0660, gw.getattr("/f").mode(), "group bits are the mask");
        gw.chmod("/f", 0604, io.tgcryptfs.engine.TimeChange.Now.INSTANCE);
        // user::rw- user:65534:rw- group::r-- mask::--- other::r--
        assertEquals("0200000001000600ffffffff02000600feff000004000400ffffffff10000000ffffffff20000400ffffffff",
                hex.formatHex(gw.getxattr("/f", PosixAcls.ACCESS)), "mask and other follow the chmod");

        // user::rwx group::r-x other::r-- names no one: it is only a mode, and no xattr is kept
        gw.setxattr("/f", PosixAcls.ACCESS, hex.parseHex("0200000001000700ffffffff04000500ffffffff20000400ffffffff"),
                XattrMode.UPSERT);
        assertEquals(0754, gw.getattr("/f").mode());
        assertFsError(FsError.NO_ATTRIBUTE, () -> gw.getxattr("/f", PosixAcls.ACCESS));

        mkdir("/d");
        gw.setxattr("/d", PosixAcls.DEFAULT, named, XattrMode.UPSERT);
        Caller strict = new Caller(0, 0, 1, 077);
        gw.create("/d/new", 0666, strict);
        assertEquals(0660, gw.getattr("/d/new").mode(), "the default ACL, not the umask");
        assertArrayEquals(named, gw.getxattr("/d/new", PosixAcls.ACCESS));
        gw.mknod("/d/sub", FileKind.DIRECTORY, 0777, 0, strict);
        assertArrayEquals(named, gw.getxattr("/d/sub", PosixAcls.DEFAULT), "a directory inherits the default ACL too");
        gw.create("/plain", 0666, strict);
        assertEquals(0600, gw.getattr("/plain").mode(), "without a default ACL the umask applies");
    }

    @Test
    void create_existingName_isExists_andLongNames_areRejected() {
        vol.writeFile("/f", new byte[0]);
        assertFsError(FsError.EXISTS, () -> gw.create("/f", 0644, Caller.ROOT));
        assertFsError(FsError.EXISTS, () -> mkdir("/f"));
        String longName = "/" + "x".repeat(256);
        assertFsError(FsError.NAME_TOO_LONG, () -> gw.create(longName, 0644, Caller.ROOT));
        vol.writeFile("/" + "y".repeat(255), new byte[0]);
        assertFsError(FsError.NOT_DIRECTORY, () -> gw.create("/f/child", 0644, Caller.ROOT));
    }

    @Test
    void create_setsOwnerFromTheCaller() {
        long h = gw.create("/mine", 0640, new Caller(1000, 100, 42));
        gw.release(h);
        Inode inode = gw.getattr("/mine");
        assertEquals(1000, inode.uid());
        assertEquals(100, inode.gid());
        assertEquals(0640, inode.mode());
        assertEquals(FileKind.REGULAR, inode.kind());
    }

    @Test
    void symlink_readsBackItsTarget() {
        gw.symlink("../somewhere/else", "/link", Caller.ROOT);
        assertEquals("../somewhere/else", gw.readlink("/link"));
        assertEquals(FileKind.SYMLINK, gw.getattr("/link").kind());
        assertEquals("../somewhere/else".length(), gw.getattr("/link").size());
        vol.writeFile("/plain", new byte[0]);
        assertFsError(FsError.INVALID, () -> gw.readlink("/plain"));
    }

    @Test
    void hardLinks_countNames_andTheDataLivesUntilTheLastNameGoes() {
        byte[] data = bytes(3 * BS);
        vol.writeFile("/a", data);
        gw.syncAll();
        long inodesBefore = inodeCount();
        Inode linked = gw.link("/a", "/b");
        assertEquals(2, linked.nlink());
        assertEquals(gw.getattr("/a").ino(), gw.getattr("/b").ino());
        assertEquals(2, nlink("/a"));
        assertEquals(inodesBefore, inodeCount(), "a link is not a new inode");

        gw.unlink("/a");
        assertEquals(1, nlink("/b"));
        assertArrayEquals(data, vol.readFile("/b"));
        assertTrue(vol.stores.counter(ChunkStore.STORED_BYTES) > 0);

        gw.unlink("/b");
        assertFsError(FsError.NOT_FOUND, () -> gw.getattr("/b"));
        assertEquals(inodesBefore - 1, inodeCount());
        assertEquals(0, vol.stores.counter(ChunkStore.STORED_BYTES), "the chunks were released with the last name");
    }

    @Test
    void link_ofADirectory_isNotPermitted_andOntoAnExistingName_isExists() {
        mkdir("/d");
        vol.writeFile("/f", new byte[] {1});
        vol.writeFile("/g", new byte[] {2});
        assertFsError(FsError.NOT_PERMITTED, () -> gw.link("/d", "/d2"));
        assertFsError(FsError.EXISTS, () -> gw.link("/f", "/g"));
        assertFsError(FsError.NOT_FOUND, () -> gw.link("/missing", "/h"));
    }

    @Test
    void unlink_ofADirectory_isIsDirectory_andRmdir_ofAFile_isNotDirectory() {
        mkdir("/d");
        vol.writeFile("/f", new byte[0]);
        assertFsError(FsError.IS_DIRECTORY, () -> gw.unlink("/d"));
        assertFsError(FsError.NOT_DIRECTORY, () -> gw.rmdir("/f"));
        assertFsError(FsError.NOT_FOUND, () -> gw.unlink("/missing"));
    }

    @Test
    void rmdir_ofANonEmptyDirectory_isNotEmpty_andOfAnEmptyOne_dropsTheParentLink() {
        mkdir("/d");
        vol.writeFile("/d/f", new byte[0]);
        assertFsError(FsError.NOT_EMPTY, () -> gw.rmdir("/d"));
        gw.unlink("/d/f");
        long before = inodeCount();
        gw.rmdir("/d");
        assertEquals(2, nlink("/"));
        assertEquals(before - 1, inodeCount());
        assertFsError(FsError.NOT_FOUND, () -> gw.getattr("/d"));
    }

    @Test
    void rename_overAFile_replacesIt_andReleasesTheReplacedData() {
        byte[] kept = bytes(2 * BS);
        vol.writeFile("/src", kept);
        vol.writeFile("/dst", bytes(2 * BS));
        gw.syncAll();
        long srcIno = vol.ino("/src");
        long storedBoth = vol.stores.counter(ChunkStore.STORED_BYTES);
        long inodes = inodeCount();

        gw.rename("/src", "/dst");
        assertFsError(FsError.NOT_FOUND, () -> gw.getattr("/src"));
        assertEquals(srcIno, vol.ino("/dst"));
        assertArrayEquals(kept, vol.readFile("/dst"));
        assertEquals(inodes - 1, inodeCount());
        assertTrue(vol.stores.counter(ChunkStore.STORED_BYTES) < storedBoth, "the replaced file's chunks were released");
        assertEquals(List.of(".", "..", "dst"), names("/"));
    }

    @Test
    void rename_overAnOpenFile_keepsItReadable_untilItIsReleased() {
        byte[] old = bytes(1000);
        vol.writeFile("/dst", old);
        vol.writeFile("/src", bytes(10));
        long h = gw.open("/dst");
        long oldIno = vol.ino("/dst");
        gw.rename("/src", "/dst");
        assertArrayEquals(old, gw.read(h, 0, 1000));
        gw.release(h);
        assertTrue(vol.stores.meta.read(r -> r.inode(oldIno)).isEmpty());
    }

    @Test
    void rename_overAnEmptyDirectory_replacesIt() {
        mkdir("/a");
        mkdir("/b");
        vol.writeFile("/a/inside", new byte[] {7});
        long aIno = vol.ino("/a");
        assertEquals(4, nlink("/"));
        long inodes = inodeCount();

        gw.rename("/a", "/b");
        assertEquals(aIno, vol.ino("/b"));
        assertEquals(List.of(".", "..", "b"), names("/"));
        assertEquals(3, nlink("/"), "one subdirectory fewer");
        assertEquals(inodes - 1, inodeCount());
        assertArrayEquals(new byte[] {7}, vol.readFile("/b/inside"));
    }

    @Test
    void rename_overAnEmptyDirectoryInAnotherParent_movesDotDot_andFixesLinkCounts() {
        mkdir("/p");
        mkdir("/p/x");
        mkdir("/a");
        assertEquals(4, nlink("/"));
        assertEquals(3, nlink("/p"));

        gw.rename("/a", "/p/x");
        assertEquals(3, nlink("/"), "root lost a");
        assertEquals(3, nlink("/p"), "p lost x and gained a");
        List<Listing> listing = Listings.of(gw, "/p/x");
        assertEquals(vol.ino("/p"), listing.get(1).inode().ino(), ".. of the moved directory is its new parent");
    }

    @Test
    void rename_overANonEmptyDirectory_isNotEmpty() {
        mkdir("/a");
        mkdir("/b");
        vol.writeFile("/b/f", new byte[0]);
        assertFsError(FsError.NOT_EMPTY, () -> gw.rename("/a", "/b"));
        assertEquals(List.of(".", "..", "a", "b"), names("/"));
    }

    @Test
    void rename_betweenFileAndDirectory_isRefused() {
        mkdir("/d");
        vol.writeFile("/f", new byte[0]);
        assertFsError(FsError.IS_DIRECTORY, () -> gw.rename("/f", "/d"));
        assertFsError(FsError.NOT_DIRECTORY, () -> gw.rename("/d", "/f"));
    }

    @Test
    void rename_ofADirectoryIntoItself_isInvalid() {
        mkdir("/a");
        mkdir("/a/b");
        assertFsError(FsError.INVALID, () -> gw.rename("/a", "/a/b/c"));
        assertFsError(FsError.INVALID, () -> gw.rename("/a", "/a/c"));
    }

    @Test
    void rename_ontoAnotherLinkOfTheSameFile_doesNothing() {
        vol.writeFile("/a", new byte[] {1});
        gw.link("/a", "/b");
        gw.rename("/a", "/b");
        assertEquals(2, nlink("/a"));
        assertEquals(2, nlink("/b"));
    }

    @Test
    void rename_ofAMissingName_isNotFound() {
        assertFsError(FsError.NOT_FOUND, () -> gw.rename("/nope", "/other"));
    }

    @Test
    void xattr_createAndReplaceFlags_areHonoured() {
        vol.writeFile("/f", new byte[0]);
        byte[] v1 = "one".getBytes(StandardCharsets.UTF_8);
        byte[] v2 = "two".getBytes(StandardCharsets.UTF_8);

        assertFsError(FsError.NO_ATTRIBUTE, () -> gw.setxattr("/f", "user.a", v1, XattrMode.REPLACE_ONLY));
        gw.setxattr("/f", "user.a", v1, XattrMode.CREATE_ONLY);
        assertArrayEquals(v1, gw.getxattr("/f", "user.a"));
        assertFsError(FsError.EXISTS, () -> gw.setxattr("/f", "user.a", v2, XattrMode.CREATE_ONLY));
        assertArrayEquals(v1, gw.getxattr("/f", "user.a"));
        gw.setxattr("/f", "user.a", v2, XattrMode.REPLACE_ONLY);
        assertArrayEquals(v2, gw.getxattr("/f", "user.a"));
        gw.setxattr("/f", "user.b", new byte[0], XattrMode.UPSERT);
        gw.setxattr("/f", "user.b", v1, XattrMode.UPSERT);
        assertArrayEquals(v1, gw.getxattr("/f", "user.b"));
        assertEquals(List.of("user.a", "user.b"), gw.listxattr("/f").stream().sorted().toList());

        gw.removexattr("/f", "user.a");
        assertFsError(FsError.NO_ATTRIBUTE, () -> gw.getxattr("/f", "user.a"));
        assertFsError(FsError.NO_ATTRIBUTE, () -> gw.removexattr("/f", "user.a"));
        assertEquals(List.of("user.b"), gw.listxattr("/f"));
    }

    @Test
    void xattr_valueOver64KiB_isTooBig_andAnUnknownFile_isNotFound() {
        vol.writeFile("/f", new byte[0]);
        assertFsError(FsError.TOO_BIG, () -> gw.setxattr("/f", "user.big", new byte[65537], XattrMode.UPSERT));
        gw.setxattr("/f", "user.max", new byte[65536], XattrMode.UPSERT);
        assertFsError(FsError.NOT_FOUND, () -> gw.setxattr("/nope", "user.a", new byte[1], XattrMode.UPSERT));
        assertFsError(FsError.NOT_FOUND, () -> gw.getxattr("/nope", "user.a"));
    }

    /** A listxattr returns at most 64 KiB of names: past that, rsync -X and cp -a fail on the file (E2BIG). */
    @Test
    void xattrNamesBeyondWhatListxattrReturns_areRefusedWithNoSpace_andRenamingExistingOnesStillWorks() {
        vol.writeFile("/f", new byte[0]);
        String padding = "n".repeat(250);
        int fit = 65536 / 256; // "user." + 3 digits + 247 letters (255 bytes, the longest name) + NUL
        for (int i = 0; i < fit; i++) {
            gw.setxattr("/f", String.format("user.%03d", i) + padding.substring(0, 247), new byte[1], XattrMode.UPSERT);
        }
        assertFsError(FsError.NO_SPACE, () -> gw.setxattr("/f", "user.x", new byte[1], XattrMode.UPSERT));
        String first = "user.000" + padding.substring(0, 247);
        gw.setxattr("/f", first, new byte[] {7}, XattrMode.REPLACE_ONLY);
        assertEquals(fit, gw.listxattr("/f").size());
        gw.removexattr("/f", first);
        gw.setxattr("/f", "user.x", new byte[1], XattrMode.CREATE_ONLY);
    }

    @Test
    void xattrs_goWithTheFile() {
        vol.writeFile("/f", new byte[0]);
        gw.setxattr("/f", "user.tag", new byte[] {1}, XattrMode.UPSERT);
        gw.rename("/f", "/g");
        assertArrayEquals(new byte[] {1}, gw.getxattr("/g", "user.tag"));
    }

    @Test
    void chmod_chown_setTimes_changeTheAttributes() {
        vol.writeFile("/f", new byte[0]);
        assertEquals(0600, gw.chmod("/f", 0600, TimeChange.Now.INSTANCE).mode());
        Inode owned = gw.chown("/f", 1000, -1, TimeChange.Now.INSTANCE);
        assertEquals(1000, owned.uid());
        assertEquals(0, owned.gid());
        io.tgcryptfs.fs.Timestamp t = new io.tgcryptfs.fs.Timestamp(1_000_000_000L, 5);
        Inode timed = gw.setTimes("/f", new io.tgcryptfs.engine.TimeChange.At(t), io.tgcryptfs.engine.TimeChange.Omit.INSTANCE,
                io.tgcryptfs.engine.TimeChange.Now.INSTANCE);
        assertEquals(t, timed.atime());
        assertNotEquals(t, timed.mtime());
        assertEquals(timed, gw.getattr("/f"));
    }

    /**
     * The kernel follows a chown with its ctime once more (the reply's getattr): nothing changes, so no
     * write transaction is taken, which shows as not waiting for a writer that holds LMDB's write lock.
     */
    @Test
    void aChangeLeavingTheInodeAsItIs_takesNoWriteTransaction() throws Exception {
        vol.writeFile("/f", new byte[0]);
        io.tgcryptfs.fs.Timestamp kernel = new io.tgcryptfs.fs.Timestamp(1_800_000_000L, 42);
        TimeChange at = new TimeChange.At(kernel);
        Inode owned = gw.chown("/f", 0, 0, at);
        assertEquals(kernel, owned.ctime(), "the kernel's ctime, not the clock's");
        java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread writer = new Thread(() -> vol.ctx.meta().write(w -> {
            holding.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }));
        writer.start();
        try {
            holding.await();
            java.util.concurrent.CompletableFuture<Inode> same = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> gw.setTimes("/f", TimeChange.Omit.INSTANCE, TimeChange.Omit.INSTANCE, at));
            assertEquals(owned, same.get(30, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(owned, java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> gw.chmod("/f", owned.mode(), at)).get(30, java.util.concurrent.TimeUnit.SECONDS));
            java.util.concurrent.CompletableFuture<Inode> changing = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> gw.chmod("/f", 0640, at));
            assertFalse(changing.isDone(), "a real change waits for the writer");
            release.countDown();
            assertEquals(0640, changing.get(30, java.util.concurrent.TimeUnit.SECONDS).mode());
            assertEquals(kernel, gw.getattr("/f").ctime());
        } finally {
            release.countDown();
            writer.join();
        }
    }

    /** Paths under a directory resolved (and its path remembered) before it moves or goes away. */
    @Test
    void pathsUnderAMovedOrRemovedDirectory_resolveToWhatTheyNameNow() {
        mkdir("/a");
        mkdir("/a/sub");
        vol.writeFile("/a/sub/f", new byte[] {1});
        long f = gw.getattr("/a/sub/f").ino();
        gw.rename("/a", "/b");
        assertFsError(FsError.NOT_FOUND, () -> gw.getattr("/a/sub/f"));
        assertEquals(f, gw.getattr("/b/sub/f").ino());

        mkdir("/c");
        vol.writeFile("/c/x", new byte[0]);
        gw.getattr("/c/x");
        gw.unlink("/c/x");
        gw.rename("/b/sub", "/c"); // over an empty directory whose path was remembered
        assertEquals(f, gw.getattr("/c/f").ino());

        long before = gw.getattr("/c").ino();
        gw.unlink("/c/f");
        gw.rmdir("/c");
        mkdir("/c");
        vol.writeFile("/c/g", new byte[] {2});
        assertNotEquals(before, gw.getattr("/c").ino());
        assertEquals(gw.getattr("/c").ino(), Listings.of(gw, "/c/").get(0).inode().ino());
        assertEquals(List.of(".", "..", "g"), names("/c"));

        gw.rename("/c/g", "/c/h"); // a file's rename leaves the directory's path as it was
        assertEquals(gw.getattr("/c").ino(), Listings.of(gw, "/c").get(0).inode().ino());
        assertFsError(FsError.NOT_FOUND, () -> gw.getattr("/c/g/x"));
        assertFsError(FsError.NOT_FOUND, () -> gw.getattr("/c/h/x"));
    }

    @Test
    void statfs_reportsCapacity_inodes_andUsedBytes() {
        FsStats empty = gw.statfs();
        assertEquals(vol.options.statfsCapacity, empty.capacityBytes());
        assertEquals(1, empty.inodes(), "just the root");
        assertEquals(255, empty.maxNameLength());
        assertTrue(empty.maxInodes() >= empty.inodes());
        assertTrue(empty.usedBytes() >= 0 && empty.usedBytes() <= empty.capacityBytes());

        mkdir("/d");
        vol.writeFile("/d/f", bytes(8 * BS));
        gw.syncAll();
        FsStats full = gw.statfs();
        assertEquals(3, full.inodes());
        long stored = vol.stores.counter(ChunkStore.STORED_BYTES);
        assertTrue(stored >= 8 * BS, "random data does not compress: " + stored);
        assertTrue(full.usedBytes() >= stored, "used " + full.usedBytes() + " covers stored " + stored);
        assertTrue(full.usedBytes() > empty.usedBytes());

        gw.unlink("/d/f");
        gw.rmdir("/d");
        assertEquals(1, gw.statfs().inodes());
    }

    /** The backend has no fixed size: past the configured capacity the volume was shown full, and Time Machine stops. */
    @Test
    void statfs_pastTheCapacity_stillShowsAsMuchFreeAsIsUsed() {
        closeVolume();
        FixtureOptions small = FixtureOptions.defaults().blockSize(BS).bandSize(4 * BS).uploads(false);
        small.statfsCapacity = 4 * BS;
        openVolume(small);
        vol.writeFile("/f", bytes(16 * BS));
        gw.syncAll();
        FsStats past = gw.statfs();
        assertTrue(past.usedBytes() > 4 * BS);
        assertEquals(2 * past.usedBytes(), past.capacityBytes(), "as much free as used");
    }

    @Test
    void renameWithoutReplacing_failsOverAnyTarget_evenAnotherNameOfTheSameFile() {
        vol.writeFile("/a", bytes(10));
        vol.writeFile("/b", bytes(10));
        gw.link("/a", "/a2");
        assertFsError(FsError.EXISTS, () -> gw.rename("/a", "/b", true));
        assertFsError(FsError.EXISTS, () -> gw.rename("/a", "/a2", true));
        gw.rename("/a", "/c", true);
        assertEquals(List.of(".", "..", "a2", "b", "c"), Listings.of(gw, "/").stream().map(Listing::name).toList());
    }
}
