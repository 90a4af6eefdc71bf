package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** mkdir, rmdir, readdir, rename, name and path length limits. */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DirectoryIT {

    @RegisterExtension
    static final MountFixture fs = new MountFixture();

    static final String RENAME = "os.rename(args[0], args[1])";

    @Test
    void readdir_ofThousandEntries_listsExactlyThoseEntries() throws IOException {
        Path dir = fs.newDir("many");
        Set<String> expected = new TreeSet<>();
        for (int i = 0; i < 1000; i++) {
            // long names so that the listing needs many readdir calls
            String name = String.format("entry-%04d-", i) + "n".repeat(100 + i % 50);
            if (i % 10 == 0) {
                Files.createDirectory(dir.resolve(name));
            } else {
                Files.createFile(dir.resolve(name));
            }
            expected.add(name);
        }
        assertEquals(expected, list(dir), "listing of a directory with 1000 entries");
        assertEquals(2 + 100, Stat.of(dir).nlink(), "nlink of a directory with 100 subdirectories");
        assertEquals("1000", fs.python("print(len(set(os.listdir(args[0]))))", dir.toString()).assertOk().out(),
                "a second reader (python's os.listdir) sees 1000 distinct names");
    }

    @Test
    void readdir_afterRemovingHalf_listsTheRest() throws IOException {
        Path dir = fs.newDir("half");
        Set<String> remaining = new TreeSet<>();
        for (int i = 0; i < 300; i++) {
            Path f = Files.createFile(dir.resolve("f" + i));
            if (i % 2 == 0) {
                Files.delete(f);
            } else {
                remaining.add("f" + i);
            }
        }
        assertEquals(remaining, list(dir), "listing after deleting every other entry");
    }

    @Test
    void directoryLinkCount_countsSubdirectories() throws IOException {
        Path dir = fs.newDir("nlink");
        assertEquals(2, Stat.of(dir).nlink(), "nlink of an empty directory");
        Files.createDirectory(dir.resolve("a"));
        Files.createDirectory(dir.resolve("b"));
        Files.createFile(dir.resolve("file"));
        assertEquals(4, Stat.of(dir).nlink(), "nlink of a directory with two subdirectories (2 + 2)");
        Files.delete(dir.resolve("a"));
        assertEquals(3, Stat.of(dir).nlink(), "nlink after rmdir of one subdirectory");
    }

    @Test
    void rmdir_ofNonEmptyDirectory_failsWithENOTEMPTY() throws IOException {
        Path dir = fs.newDir("rmdir");
        Path child = Files.createDirectory(dir.resolve("child"));
        Files.createFile(child.resolve("f"));
        assertThrows(DirectoryNotEmptyException.class, () -> Files.delete(child), "rmdir of a directory holding a file");
        fs.python("os.rmdir(args[0])", child.toString()).assertErrno("ENOTEMPTY");
        assertTrue(Files.isDirectory(child), "the non-empty directory is still there");
        Files.delete(child.resolve("f"));
        Files.delete(child);
        assertFalse(Files.exists(child, LinkOption.NOFOLLOW_LINKS), "rmdir of the emptied directory removes it");
        assertEquals(Set.of(), list(dir), "parent is empty again");
    }

    @Test
    void rename_ofFile_movesItAndKeepsTheInode() throws IOException {
        Path dir = fs.newDir("rename");
        Path a = dir.resolve("a");
        Files.writeString(a, "content of a");
        long ino = Stat.of(a).ino();
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path b = sub.resolve("b");
        fs.python(RENAME, a.toString(), b.toString()).assertOk();
        assertFalse(Files.exists(a, LinkOption.NOFOLLOW_LINKS), "old name is gone");
        assertEquals("content of a", Files.readString(b), "content under the new name");
        assertEquals(ino, Stat.of(b).ino(), "rename keeps the inode number");
        assertEquals(Set.of("sub"), list(dir), "source directory listing");
        assertEquals(Set.of("b"), list(sub), "target directory listing");
    }

    @Test
    void rename_overExistingFile_replacesIt() throws IOException {
        Path dir = fs.newDir("renameover");
        Path src = dir.resolve("src");
        Path dst = dir.resolve("dst");
        Files.writeString(src, "new content");
        Files.writeString(dst, "old content that is longer");
        long srcIno = Stat.of(src).ino();
        fs.python(RENAME, src.toString(), dst.toString()).assertOk();
        assertEquals("new content", Files.readString(dst), "target holds the source's content");
        assertEquals(srcIno, Stat.of(dst).ino(), "target name now refers to the source inode");
        assertEquals(1, Stat.of(dst).nlink(), "nlink of the renamed file");
        assertEquals(Set.of("dst"), list(dir), "only the target name remains");
    }

    @Test
    void rename_overOpenFile_keepsTheReplacedFileReadableThroughItsHandle() throws IOException {
        Path dir = fs.newDir("renameopen");
        Path src = dir.resolve("src");
        Path dst = dir.resolve("dst");
        Files.writeString(src, "replacement");
        Files.writeString(dst, "replaced but still open");
        try (var in = Files.newByteChannel(dst)) {
            fs.python(RENAME, src.toString(), dst.toString()).assertOk();
            var buf = java.nio.ByteBuffer.allocate(100);
            in.read(buf);
            assertEquals("replaced but still open", new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8),
                    "the replaced file is still readable through a handle opened before the rename");
        }
        assertEquals("replacement", Files.readString(dst), "the name shows the new file");
    }

    @Test
    void rename_ofDirectoryOverEmptyDirectory_replacesIt() throws IOException {
        Path dir = fs.newDir("renamedir");
        Path src = Files.createDirectory(dir.resolve("src"));
        Files.writeString(src.resolve("inner"), "inner content");
        Path dst = Files.createDirectory(dir.resolve("dst"));
        fs.python(RENAME, src.toString(), dst.toString()).assertOk();
        assertEquals("inner content", Files.readString(dst.resolve("inner")), "content under the renamed directory");
        assertEquals(Set.of("dst"), list(dir), "only the target directory remains");
        assertEquals(3, Stat.of(dir).nlink(), "parent nlink after replacing one subdirectory by another (2 + 1)");
    }

    @Test
    void rename_ofDirectoryOverNonEmptyDirectory_failsWithENOTEMPTY() throws IOException {
        Path dir = fs.newDir("renamefull");
        Path src = Files.createDirectory(dir.resolve("src"));
        Path dst = Files.createDirectory(dir.resolve("dst"));
        Files.writeString(dst.resolve("keep"), "kept");
        fs.python(RENAME, src.toString(), dst.toString()).assertErrno("ENOTEMPTY");
        assertEquals("kept", Files.readString(dst.resolve("keep")), "the non-empty target is untouched");
        assertTrue(Files.isDirectory(src), "the source is still there");
    }

    @Test
    void rename_fileOverDirectory_failsWithEISDIR_andDirectoryOverFile_failsWithENOTDIR() throws IOException {
        Path dir = fs.newDir("renamekinds");
        Path file = Files.createFile(dir.resolve("file"));
        Path sub = Files.createDirectory(dir.resolve("sub"));
        fs.python(RENAME, file.toString(), sub.toString()).assertErrno("EISDIR");
        fs.python(RENAME, sub.toString(), file.toString()).assertErrno("ENOTDIR");
        assertEquals(Set.of("file", "sub"), list(dir), "both names unchanged");
    }

    @Test
    void rename_ofDirectoryToAnotherParent_updatesDotDot() throws IOException {
        Path dir = fs.newDir("reparent");
        Path a = Files.createDirectory(dir.resolve("a"));
        Path b = Files.createDirectory(dir.resolve("b"));
        Path moving = Files.createDirectory(a.resolve("moving"));
        Files.writeString(moving.resolve("f"), "f");
        fs.python(RENAME, moving.toString(), b.resolve("moved").toString()).assertOk();
        assertEquals(Stat.of(b).ino(), Stat.of(b.resolve("moved").resolve("..")).ino(), "'..' of the moved directory is its new parent");
        assertEquals(2, Stat.of(a).nlink(), "old parent lost a subdirectory");
        assertEquals(3, Stat.of(b).nlink(), "new parent gained a subdirectory");
        assertEquals("f", Files.readString(b.resolve("moved").resolve("f")), "content moves with the directory");
    }

    @Test
    void rename_ofDirectoryIntoItself_failsWithEINVAL() throws IOException {
        Path dir = fs.newDir("intoself");
        Path a = Files.createDirectory(dir.resolve("a"));
        Path inner = Files.createDirectory(a.resolve("inner"));
        fs.python(RENAME, a.toString(), inner.resolve("a").toString()).assertErrno("EINVAL");
    }

    @Test
    void rename_toSameName_isANoOp() throws IOException {
        Path dir = fs.newDir("samename");
        Path f = dir.resolve("f");
        Files.writeString(f, "same");
        fs.python(RENAME, f.toString(), f.toString()).assertOk();
        assertEquals("same", Files.readString(f), "content after renaming a file onto itself");
    }

    @Test
    void name_of255Bytes_works_and256Bytes_failsWithENAMETOOLONG() throws IOException {
        Path dir = fs.newDir("names");
        String ascii255 = "a".repeat(255);
        String utf8of255 = "é".repeat(100) + "b".repeat(55); // 200 + 55 bytes
        assertEquals(255, utf8of255.getBytes(StandardCharsets.UTF_8).length);
        Files.writeString(dir.resolve(ascii255), "ascii");
        Files.createDirectory(dir.resolve(utf8of255));
        assertEquals(Set.of(ascii255, utf8of255), list(dir), "both 255-byte names are listed");
        assertEquals("ascii", Files.readString(dir.resolve(ascii255)), "content of the 255-byte name");

        String name256 = "c".repeat(256);
        String p256 = dir.resolve(name256).toString();
        fs.python("os.close(os.open(args[0], os.O_CREAT | os.O_WRONLY, 0o644))", p256).assertErrno("ENAMETOOLONG");
        fs.python("os.mkdir(args[0])", p256).assertErrno("ENAMETOOLONG");
        fs.python("os.symlink('target', args[0])", p256).assertErrno("ENAMETOOLONG");
        fs.python(RENAME, dir.resolve(ascii255).toString(), p256).assertErrno("ENAMETOOLONG");
        fs.python("os.link(args[0], args[1])", dir.resolve(ascii255).toString(), p256).assertErrno("ENAMETOOLONG");
        String multibyte256 = "é".repeat(128);
        fs.python("os.mkdir(args[0])", dir.resolve(multibyte256).toString()).assertErrno("ENAMETOOLONG");
        assertEquals(Set.of(ascii255, utf8of255), list(dir), "nothing was created by the failed calls");
    }

    @Test
    void relativePath_of4095Bytes_worksFromTheMountRoot() {
        // 16 directories of 254 bytes + "/" each = 4080 bytes, then a 15-byte file name: 4095 bytes.
        String first = fs.uniqueName("deep");
        first = first + "d".repeat(254 - first.length());
        String script = """
                first, root = args[0], args[1]
                names = [first] + [("%02d" % i) + "d" * 252 for i in range(1, 16)]
                assert all(len(n) == 254 for n in names)
                os.chdir(root)
                for n in names:
                    os.mkdir(n)
                    os.chdir(n)
                os.chdir(root)
                rel = "/".join(names) + "/" + "f" * 15
                assert len(rel.encode()) == 4095, len(rel)
                fd = os.open(rel, os.O_CREAT | os.O_WRONLY, 0o644)
                os.write(fd, b"deep content")
                os.close(fd)
                st = os.stat(rel)
                assert st.st_size == 12, st
                with open(rel, "rb") as f:
                    assert f.read() == b"deep content"
                os.rename(rel, rel[:-1] + "g")
                os.setxattr(rel[:-1] + "g", "user.deep", b"x")
                assert os.getxattr(rel[:-1] + "g", "user.deep") == b"x"
                try:
                    os.stat(rel + "h")
                    print("a 4096-byte path was accepted")
                    sys.exit(2)
                except OSError as e:
                    if e.errno != errno.ENAMETOOLONG:
                        raise
                print("ok")
                """;
        assertEquals("ok", fs.python(script, first, fs.root().toString()).assertOk().out(),
                "create, write, stat, read, rename and xattrs through a 4095-byte relative path");
    }

    @Test
    void mkdir_ofExistingName_failsWithEEXIST() throws IOException {
        Path dir = fs.newDir("exists");
        Files.createFile(dir.resolve("f"));
        Files.createDirectory(dir.resolve("d"));
        fs.python("os.mkdir(args[0])", dir.resolve("f").toString()).assertErrno("EEXIST");
        fs.python("os.mkdir(args[0])", dir.resolve("d").toString()).assertErrno("EEXIST");
        fs.python("os.close(os.open(args[0], os.O_CREAT | os.O_EXCL | os.O_WRONLY))", dir.resolve("f").toString())
                .assertErrno("EEXIST");
    }

    static Set<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /**
     * A directory removed (rmdir, or a rename over it) while open lives on, unnamed, until its last close,
     * as on ext4: fstat, fchmod, fchown, the xattr calls and fsync on its descriptor work, and it lists
     * empty. They answered ENOENT (found by SyscallOracleIT).
     */
    @Test
    void aDirectoryRemovedWhileOpen_servesItsDescriptorUntilClosed() {
        Path dir = fs.newDir("removedopen");
        String out = fs.python("""
                base = args[0]
                for how in ("rmdir", "rename"):
                    d = os.path.join(base, how)
                    os.mkdir(d)
                    os.setxattr(d, "user.k", b"v")
                    fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
                    if how == "rmdir":
                        os.rmdir(d)
                    else:
                        o = os.path.join(base, "other")
                        os.mkdir(o)
                        os.rename(o, d)
                    os.fchmod(fd, 0o700)
                    os.fchown(fd, 1000, 1000)
                    os.setxattr(fd, "user.j", b"w")
                    os.fsync(fd)
                    st = os.fstat(fd)
                    print(how, oct(st.st_mode), st.st_nlink, st.st_uid, os.listdir(fd), os.getxattr(fd, "user.k"),
                          sorted(os.listxattr(fd)))
                    os.close(fd)
                print(sorted(os.listdir(base)))
                """, dir.toString()).assertOk().out();
        assertEquals("""
                rmdir 0o40700 0 1000 [] b'v' ['user.j', 'user.k']
                rename 0o40700 0 1000 [] b'v' ['user.j', 'user.k']
                ['rename']""", out.strip(), "what ext4 answers");
    }

    /**
     * renameat2's RENAME_NOREPLACE (mv -n, Samba 4.19 on): EEXIST over an existing target, open or not,
     * a plain rename otherwise; RENAME_EXCHANGE answers EINVAL (not supported). All answered EINVAL before.
     */
    @Test
    void renameWithoutReplacing_refusesAnExistingTarget_andRenamesOtherwise() {
        Path dir = fs.newDir("noreplace");
        String out = fs.python("""
                os.chdir(args[0])
                for n in ("a", "b", "open"):
                    with open(n, "w") as f:
                        f.write(n)
                held = os.open("open", os.O_RDONLY)
                def rename2(a, b, flags):
                    if libc.renameat2(-100, a.encode(), -100, b.encode(), flags) == 0:
                        return "ok"
                    return errno.errorcode[ctypes.get_errno()]
                print(rename2("a", "b", 1), rename2("a", "open", 1), rename2("a", "c", 1), rename2("b", "c", 2),
                      sorted(os.listdir(".")), open("b").read(), open("c").read(), open("open").read())
                os.close(held)
                """, dir.toString()).assertOk().out();
        assertEquals("EEXIST EEXIST ok EINVAL ['b', 'c', 'open'] b a open", out.strip());
    }
}
