package io.tgcryptfs.it;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Hard links, symlinks and unlinking: one inode behind several names, and open files outliving their name. */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LinkIT {

    @RegisterExtension
    static final MountFixture fs = new MountFixture();

    @Test
    void link_givesBothNamesNlinkTwoAndTheSameInode() throws IOException {
        Path dir = fs.newDir("link");
        Path a = dir.resolve("a");
        Files.writeString(a, "shared");
        assertEquals(1, Stat.of(a).nlink(), "nlink before link (also primes any attribute cache for 'a')");
        Path b = Files.createLink(dir.resolve("b"), a);
        Stat sa = Stat.of(a);
        Stat sb = Stat.of(b);
        assertEquals(2, sa.nlink(), "nlink of the original name right after link");
        assertEquals(2, sb.nlink(), "nlink of the new name");
        assertEquals(sa.ino(), sb.ino(), "both names show the same inode number");
    }

    /**
     * The kernel keeps attributes of single-link files for a second, and libfuse's path API gives each
     * name its own kernel inode: a change through one name must still show under the other at once.
     */
    @Test
    void changesThroughOneName_showUnderTheOtherImmediately() throws IOException {
        Path dir = fs.newDir("linkcache");
        Path a = dir.resolve("a");
        Files.writeString(a, "one");
        Stat before = Stat.of(a);
        assertEquals(1, before.nlink(), "a single name, so its attributes may be cached");
        Path b = Files.createLink(dir.resolve("b"), a);
        Files.writeString(b, "grown through b", StandardOpenOption.APPEND);
        Files.setPosixFilePermissions(b, PosixFilePermissions.fromString("rw-------"));
        Stat sa = Stat.of(a);
        assertEquals(2, sa.nlink(), "nlink of a after link");
        assertEquals("onegrown through b".length(), sa.size(), "size of a after appending through b");
        assertEquals(0600, sa.mode() & 07777, "mode of a after chmod through b");

        Files.delete(b);
        assertEquals(1, Stat.of(a).nlink(), "nlink of a after unlinking b (cached again from here)");
        Path c = Files.createLink(dir.resolve("c"), a);
        assertEquals(2, Stat.of(a).nlink(), "nlink of a after linking again, with a's attributes cached");
        Files.writeString(c, "cut");
        assertEquals(3, Stat.of(a).size(), "size of a after truncating and writing through c");
    }

    @Test
    void unlink_ofOneName_otherNameShowsNlinkOneImmediately() throws IOException {
        Path dir = fs.newDir("unlinkone");
        Path a = dir.resolve("a");
        Files.writeString(a, "x");
        Path b = Files.createLink(dir.resolve("b"), a);
        Path c = Files.createLink(dir.resolve("c"), a);
        assertEquals(3, Stat.of(a).nlink(), "nlink of a after two links");
        assertEquals(3, Stat.of(b).nlink(), "nlink of b after two links");
        assertEquals(3, Stat.of(c).nlink(), "nlink of c after two links");
        Files.delete(a);
        assertEquals(2, Stat.of(b).nlink(), "nlink of b right after unlinking a");
        Files.delete(c);
        assertEquals(1, Stat.of(b).nlink(), "nlink of b right after unlinking c");
        assertEquals("x", Files.readString(b), "content through the last remaining name");
    }

    @Test
    void dataWrittenThroughOneName_readsThroughTheOther() throws IOException {
        Path dir = fs.newDir("linkdata");
        Path a = dir.resolve("a");
        Files.writeString(a, "before");
        Path b = Files.createLink(dir.resolve("b"), a);
        assertEquals(6, Files.size(b), "size via b before the write (primes b's attributes)");
        byte[] data = FileDataIT.randomBytes(2 * 1024 * 1024 + 3, 77);
        Files.write(a, data);
        assertEquals(data.length, Files.size(b), "size via b right after writing via a");
        assertArrayEquals(data, Files.readAllBytes(b), "content via b after writing via a");
        Files.writeString(b, "short");
        assertEquals("short", Files.readString(a), "content via a after rewriting via b");
    }

    @Test
    void attributesChangedThroughOneName_showThroughTheOtherImmediately() throws IOException {
        Path dir = fs.newDir("linkattrs");
        Path a = Files.createFile(dir.resolve("a"));
        Path b = Files.createLink(dir.resolve("b"), a);
        Stat before = Stat.of(b);
        Files.setPosixFilePermissions(a, PosixFilePermissions.fromString("rwx------"));
        assertEquals("0700", Stat.of(b).octalPermissions(), "mode via b right after chmod via a (was " + before.octalPermissions() + ")");
        fs.python("os.utime(args[0], ns=(1_000_000_000_123, 2_000_000_000_456))", a.toString()).assertOk();
        assertEquals(2_000_000_000_456L, Stat.of(b).mtimeNs(), "mtime via b right after utime via a");
        XattrIT.view(a).write("shared", XattrIT.utf8("yes"));
        assertEquals("yes", XattrIT.read(XattrIT.view(b), "shared"), "xattr via b after setxattr via a");
    }

    @Test
    void link_ontoExistingName_failsWithEEXIST() throws IOException {
        Path dir = fs.newDir("linkexists");
        Path a = Files.createFile(dir.resolve("a"));
        Path b = Files.createFile(dir.resolve("b"));
        assertThrows(FileAlreadyExistsException.class, () -> Files.createLink(b, a), "link onto an existing name");
        assertEquals(1, Stat.of(a).nlink(), "nlink unchanged after the failed link");
    }

    @Test
    void link_acrossDirectories_andRenameOfOneName_keepTheInode() throws IOException {
        Path dir = fs.newDir("linkdirs");
        Path d1 = Files.createDirectory(dir.resolve("d1"));
        Path d2 = Files.createDirectory(dir.resolve("d2"));
        Path a = Files.createFile(d1.resolve("a"));
        Path b = Files.createLink(d2.resolve("b"), a);
        fs.python("os.rename(args[0], args[1])", b.toString(), d1.resolve("c").toString()).assertOk();
        Stat sa = Stat.of(a);
        Stat sc = Stat.of(d1.resolve("c"));
        assertEquals(sa.ino(), sc.ino(), "renamed link still shows the same inode");
        assertEquals(2, sc.nlink(), "rename does not change nlink");
        // renaming one hard link onto another name of the same inode is a no-op that keeps both names
        fs.python("os.rename(args[0], args[1])", a.toString(), d1.resolve("c").toString()).assertOk();
        assertTrue(Files.exists(a) && Files.exists(d1.resolve("c")), "rename between two links of one inode leaves both (POSIX)");
    }

    @Test
    void symlink_readlinkReturnsTheTarget_andFollowingReadsTheFile() throws IOException {
        Path dir = fs.newDir("symlink");
        Path target = dir.resolve("target.txt");
        Files.writeString(target, "through the link");
        Path rel = Files.createSymbolicLink(dir.resolve("rel"), Path.of("target.txt"));
        Path abs = Files.createSymbolicLink(dir.resolve("abs"), target);
        Path dotted = Files.createSymbolicLink(dir.resolve("dotted"), Path.of("./sub/../target.txt"));
        Files.createDirectory(dir.resolve("sub"));
        assertEquals(Path.of("target.txt"), Files.readSymbolicLink(rel), "readlink of a relative symlink");
        assertEquals(target, Files.readSymbolicLink(abs), "readlink of an absolute symlink");
        assertEquals(Path.of("./sub/../target.txt"), Files.readSymbolicLink(dotted), "readlink returns the target verbatim");
        assertEquals("through the link", Files.readString(rel), "read through the relative symlink");
        assertEquals("through the link", Files.readString(abs), "read through the absolute symlink");
        assertEquals("through the link", Files.readString(dotted), "read through a symlink with . and ..");
        Stat link = Stat.of(rel);
        assertEquals(Stat.S_IFLNK, link.type(), "lstat type of a symlink");
        assertEquals("target.txt".length(), link.size(), "lstat size of a symlink is the target's length");
        assertTrue(Files.isSymbolicLink(rel), "isSymbolicLink");
    }

    @Test
    void danglingSymlink_existsButDoesNotResolve() throws IOException {
        Path dir = fs.newDir("dangling");
        Path link = Files.createSymbolicLink(dir.resolve("link"), Path.of("nowhere/none"));
        assertTrue(Files.exists(link, LinkOption.NOFOLLOW_LINKS), "the link itself exists");
        assertFalse(Files.exists(link), "following it finds nothing");
        assertEquals(Path.of("nowhere/none"), Files.readSymbolicLink(link), "readlink of a dangling symlink");
        Files.delete(link);
        assertEquals(Set.of(), DirectoryIT.list(dir), "deleting the link removes it");
    }

    @Test
    void symlink_withLongTarget_roundTrips() throws IOException {
        Path dir = fs.newDir("longlink");
        String target = ("segment-" + "t".repeat(90) + "/").repeat(40) + "end"; // about 4 KiB
        Path link = Files.createSymbolicLink(dir.resolve("link"), Path.of(target));
        assertEquals(target, Files.readSymbolicLink(link).toString(), "readlink of a " + target.length() + "-byte target");
    }

    @Test
    void symlinkToDirectory_canBeTraversed() throws IOException {
        Path dir = fs.newDir("dirlink");
        Path real = Files.createDirectory(dir.resolve("real"));
        Files.writeString(real.resolve("inside"), "inside");
        Path link = Files.createSymbolicLink(dir.resolve("link"), Path.of("real"));
        assertEquals("inside", Files.readString(link.resolve("inside")), "read a file through a directory symlink");
        assertEquals(Set.of("inside"), DirectoryIT.list(link), "list a directory through a symlink");
    }

    @Test
    void unlink_whileOpen_readsAndWritesStillSucceed() throws IOException {
        Path dir = fs.newDir("unlinkopen");
        Path file = dir.resolve("f");
        byte[] data = FileDataIT.randomBytes(3 * 1024 * 1024 + 5, 99);
        Files.write(file, data);
        try (FileChannel ch = FileChannel.open(file, READ, WRITE)) {
            Files.delete(file);
            assertFalse(Files.exists(file, LinkOption.NOFOLLOW_LINKS), "the name is gone after unlink");
            assertArrayEquals(data, FileDataIT.readRange(ch, 0, data.length + 10), "the open file still reads its full content after unlink");
            byte[] more = "written after unlink".getBytes(StandardCharsets.UTF_8);
            FileDataIT.writeFully(ch, more, data.length);
            assertArrayEquals(more, FileDataIT.readRange(ch, data.length, more.length + 10), "read back what was written after unlink");

            // a new file with the same name is a different file
            Files.writeString(file, "new file");
            assertEquals("new file", Files.readString(file), "the new file under the old name");
            assertArrayEquals(data, FileDataIT.readRange(ch, 0, data.length), "the unlinked file is unaffected by the new one");
        }
        assertEquals("new file", Files.readString(file), "the new file after the old one was closed");
    }

    @Test
    void unlink_whileOpen_fstatStillSucceeds() throws IOException {
        Path file = fs.newDir("unlinkfstat").resolve("f");
        Files.write(file, new byte[1234]);
        try (FileChannel ch = FileChannel.open(file, READ, WRITE)) {
            Files.delete(file);
            assertEquals(1234, ch.size(), "fstat(2) size of an open file after its name was unlinked");
            FileDataIT.writeFully(ch, new byte[10], 1234);
            assertEquals(1244, ch.size(), "fstat(2) size after writing to the unlinked file");
            ch.truncate(100);
            assertEquals(100, ch.size(), "fstat(2) size after ftruncate of the unlinked file");
        }
        String nlink = fs.python("""
                fd = os.open(args[0], os.O_CREAT | os.O_RDWR, 0o644)
                os.unlink(args[0])
                print(os.fstat(fd).st_nlink)
                os.close(fd)
                """, file.toString()).assertOk().out();
        assertEquals("0", nlink, "fstat(2) st_nlink of an open, unlinked file");
    }

    @Test
    void unlink_whileOpen_theNameDisappearsFromTheListing() throws IOException {
        Path dir = fs.newDir("unlinklist");
        Path file = dir.resolve("f");
        Files.writeString(file, "data");
        try (FileChannel ch = FileChannel.open(file, READ)) {
            Files.delete(file);
            assertEquals(Set.of(), DirectoryIT.list(dir), "directory listing after unlinking an open file (no hidden leftovers)");
            ByteBuffer buf = ByteBuffer.allocate(10);
            assertEquals(4, ch.read(buf, 0), "still readable");
        }
        Files.delete(dir);
        assertFalse(Files.exists(dir), "the emptied directory can be removed once the file is closed");
    }

    @Test
    void unlink_ofLastNameWhileOpen_thenRemovingTheDirectory_works() throws IOException {
        Path dir = fs.newDir("unlinkrmdir");
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path file = sub.resolve("f");
        Files.writeString(file, "data");
        try (FileChannel ch = FileChannel.open(file, READ)) {
            Files.delete(file);
            Files.delete(sub); // POSIX: the directory is empty even though a file from it is still open
            assertFalse(Files.exists(sub), "rmdir of a directory whose only file is unlinked but open");
            ByteBuffer buf = ByteBuffer.allocate(10);
            assertEquals(4, ch.read(buf, 0), "the open file is still readable");
        }
    }

    /**
     * libfuse 2 reaches an open file by path (its hidden name) and has none once the directory holding
     * that name is removed or replaced: an fstat, an fchmod, the xattr calls and the times the kernel
     * writes back at fsync and close failed with ENOENT. ext4 serves all of them (ConcurrentOracleIT
     * found it).
     */
    @Test
    void unlink_whileOpen_thenItsDirectoryRemovedOrReplaced_fstatFchmodXattrsFsyncAndCloseStillSucceed() {
        Path dir = fs.newDir("unlinkpathless");
        String out = fs.python("""
                base = args[0]
                for how in ("rmdir", "rename"):
                    d = os.path.join(base, how)
                    os.mkdir(d)
                    f = os.path.join(d, "f")
                    with open(f, "wb") as w:
                        w.write(b"x" * 5000)
                    fd = os.open(f, os.O_RDWR)
                    os.unlink(f)
                    if how == "rmdir":
                        os.rmdir(d)
                    else:
                        other = os.path.join(base, "other")
                        os.mkdir(other)
                        os.rename(other, d)  # an empty directory over the one holding the open file
                    os.pwrite(fd, b"y" * 100, 5000)
                    size = os.fstat(fd).st_size
                    os.fchmod(fd, 0o600)
                    os.setxattr(fd, "user.k", b"v" * 3000)
                    os.setxattr(fd, "user.gone", b"")
                    os.removexattr(fd, "user.gone")
                    try:
                        os.setxattr(fd, "user.k", b"w", os.XATTR_CREATE)
                        created = "created"
                    except OSError as e:
                        created = errno.errorcode[e.errno]
                    try:
                        os.getxattr(fd, "user.gone")
                        missing = "found"
                    except OSError as e:
                        missing = errno.errorcode[e.errno]
                    xattrs = (len(os.getxattr(fd, "user.k")), sorted(os.listxattr(fd)), created, missing)
                    os.fsync(fd)
                    os.ftruncate(fd, 10)
                    st = os.fstat(fd)
                    os.close(fd)
                    print(how, size, oct(st.st_mode & 0o777), st.st_size, st.st_nlink, *xattrs)
                """, dir.toString()).assertOk().out();
        assertEquals("rmdir 5100 0o600 10 0 3000 ['user.k'] EEXIST ENODATA\n"
                        + "rename 5100 0o600 10 0 3000 ['user.k'] EEXIST ENODATA", out.strip(),
                "fstat, fchmod, the xattr calls, fsync, ftruncate and close of the open file, as on ext4");
    }
}
