package io.tgcryptfs.it;

import static io.tgcryptfs.it.MountFixture.NOBODY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Ownership, modes, permission checks for other users, SUID/SGID clearing, timestamps (utimensat,
 * UTIME_NOW/UTIME_OMIT, after 2038, ctime). The mount runs as root with allow_other.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PermissionIT {

    @RegisterExtension
    static final MountFixture fs = new MountFixture();

    static final String CHMOD = "os.chmod(args[0], int(args[1], 8))";
    static final String CHOWN = "os.chown(args[0], int(args[1]), int(args[2]))";
    /** 2100-01-01T00:00:00Z plus some nanoseconds. */
    static final long Y2100_NS = 4_102_444_800L * 1_000_000_000L + 123_456_789L;

    /** utimensat(AT_FDCWD, path, [atime, mtime], 0) where each time is "now", "omit" or nanoseconds. */
    static final String UTIMENSAT = """
            class timespec(ctypes.Structure):
                _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]
            UTIME_NOW, UTIME_OMIT = (1 << 30) - 1, (1 << 30) - 2
            def ts(v):
                if v == "now":
                    return timespec(0, UTIME_NOW)
                if v == "omit":
                    return timespec(0, UTIME_OMIT)
                return timespec(int(v) // 1_000_000_000, int(v) % 1_000_000_000)
            times = (timespec * 2)(ts(args[1]), ts(args[2]))
            check(libc.utimensat(-100, args[0].encode(), times, 0))
            """;

    // ---------------------------------------------------------------- ownership and modes

    @Test
    void fileCreatedByAnotherUser_isOwnedByThatUser() throws IOException {
        Path shared = fs.newSharedDir("owner");
        Path file = shared.resolve("by-nobody");
        fs.runAs(NOBODY, "touch", file.toString()).assertOk();
        Stat st = Stat.of(file);
        assertEquals(NOBODY, st.uid(), "uid of a file created by uid 65534");
        assertEquals(NOBODY, st.gid(), "gid of a file created by gid 65534");
        Path dir = shared.resolve("dir-by-nobody");
        fs.runAs(NOBODY, "mkdir", dir.toString()).assertOk();
        assertEquals(NOBODY, Stat.of(dir).uid(), "uid of a directory created by uid 65534");
        Path link = shared.resolve("link-by-nobody");
        fs.runAs(NOBODY, "ln", "-s", "by-nobody", link.toString()).assertOk();
        assertEquals(NOBODY, Stat.of(link).uid(), "uid of a symlink created by uid 65534");
    }

    @Test
    void fileCreatedByRoot_isOwnedByRoot_withTheRequestedModeMinusUmask() throws IOException {
        Path dir = fs.newDir("rootowned");
        fs.python("os.umask(0o022); os.close(os.open(args[0], os.O_CREAT | os.O_WRONLY, 0o666))", dir.resolve("f").toString())
                .assertOk();
        Stat st = Stat.of(dir.resolve("f"));
        assertEquals(0, st.uid(), "uid");
        assertEquals(0, st.gid(), "gid");
        assertEquals("0644", st.octalPermissions(), "mode 0666 with umask 022");
        fs.python("os.umask(0o027); os.mkdir(args[0], 0o777)", dir.resolve("d").toString()).assertOk();
        assertEquals("0750", Stat.of(dir.resolve("d")).octalPermissions(), "directory mode 0777 with umask 027");
    }

    @Test
    void chown_sticks() throws IOException {
        Path file = Files.createFile(fs.newDir("chown").resolve("f"));
        fs.python(CHOWN, file.toString(), "1234", "5678").assertOk();
        Stat st = Stat.of(file);
        assertEquals(1234, st.uid(), "uid after chown");
        assertEquals(5678, st.gid(), "gid after chown");
        fs.python(CHOWN, file.toString(), "-1", "42").assertOk();
        st = Stat.of(file);
        assertEquals(1234, st.uid(), "uid unchanged by chown(-1, 42)");
        assertEquals(42, st.gid(), "gid after chown(-1, 42)");
    }

    @Test
    void chmod_setsAllPermissionBits() throws IOException {
        Path file = Files.createFile(fs.newDir("chmod").resolve("f"));
        for (String mode : new String[] {"0000", "0777", "1755", "2750", "4711", "0640"}) {
            fs.python(CHMOD, file.toString(), mode).assertOk();
            assertEquals(mode, Stat.of(file).octalPermissions(), "mode after chmod " + mode);
        }
    }

    // ---------------------------------------------------------------- enforcement for other users

    @Test
    void otherUser_cannotReadA0600RootFile() throws IOException {
        Path dir = fs.newDir("private");
        Path file = dir.resolve("secret");
        Files.writeString(file, "secret");
        fs.python(CHMOD, dir.toString(), "0755").assertOk();
        fs.python(CHMOD, file.toString(), "0600").assertOk();
        fs.pythonAs(NOBODY, "open(args[0], 'rb').read()", file.toString()).assertErrno("EACCES");
        fs.pythonAs(NOBODY, "open(args[0], 'ab')", file.toString()).assertErrno("EACCES");
        fs.python(CHMOD, file.toString(), "0644").assertOk();
        assertEquals("secret", fs.pythonAs(NOBODY, "print(open(args[0]).read())", file.toString()).assertOk().out(),
                "nobody can read it once it is 0644");
        fs.pythonAs(NOBODY, "open(args[0], 'ab')", file.toString()).assertErrno("EACCES");
    }

    @Test
    void otherUser_cannotCreateOrDeleteInA0755RootDirectory() throws IOException {
        Path dir = fs.newDir("readonlydir");
        fs.python(CHMOD, dir.toString(), "0755").assertOk();
        Files.writeString(dir.resolve("existing"), "x");
        fs.pythonAs(NOBODY, "open(args[0], 'w')", dir.resolve("new").toString()).assertErrno("EACCES");
        fs.pythonAs(NOBODY, "os.unlink(args[0])", dir.resolve("existing").toString()).assertErrno("EACCES");
        fs.pythonAs(NOBODY, "os.mkdir(args[0])", dir.resolve("sub").toString()).assertErrno("EACCES");
        fs.python(CHMOD, dir.toString(), "0700").assertOk();
        fs.pythonAs(NOBODY, "os.listdir(args[0])", dir.toString()).assertErrno("EACCES");
        fs.pythonAs(NOBODY, "os.stat(args[0])", dir.resolve("existing").toString()).assertErrno("EACCES");
    }

    @Test
    void otherUser_cannotChmodOrChownSomeoneElsesFile() throws IOException {
        Path shared = fs.newSharedDir("foreign");
        Path file = Files.createFile(shared.resolve("root-file"));
        fs.python(CHMOD, file.toString(), "0666").assertOk();
        fs.pythonAs(NOBODY, CHMOD, file.toString(), "0777").assertErrno("EPERM");
        fs.pythonAs(NOBODY, CHOWN, file.toString(), Integer.toString(NOBODY), "-1").assertErrno("EPERM");
        assertEquals("0666", Stat.of(file).octalPermissions(), "mode unchanged");
        assertEquals(0, Stat.of(file).uid(), "owner unchanged");
    }

    @Test
    void owner_canChmodTheirOwnFile() throws IOException {
        Path shared = fs.newSharedDir("ownchmod");
        Path file = shared.resolve("mine");
        fs.runAs(NOBODY, "touch", file.toString()).assertOk();
        fs.pythonAs(NOBODY, CHMOD, file.toString(), "0600").assertOk();
        assertEquals("0600", Stat.of(file).octalPermissions(), "mode after the owner's chmod");
    }

    @Test
    void stickyDirectory_preventsDeletingOthersFiles() throws IOException {
        Path dir = fs.newSharedDir("sticky");
        fs.python(CHMOD, dir.toString(), "1777").assertOk();
        Files.writeString(dir.resolve("roots"), "x");
        fs.python(CHMOD, dir.resolve("roots").toString(), "0666").assertOk();
        fs.pythonAs(NOBODY, "os.unlink(args[0])", dir.resolve("roots").toString()).assertErrno("EPERM");
        assertTrue(Files.exists(dir.resolve("roots")), "root's file survives in a sticky directory");
    }

    // ---------------------------------------------------------------- SUID / SGID

    @Test
    void write_byNonOwnerWithWritePermission_clearsSetuid() throws IOException {
        Path shared = fs.newSharedDir("suidwrite");
        Path file = shared.resolve("suid");
        Files.writeString(file, "original");
        fs.python(CHMOD, file.toString(), "4777").assertOk();
        assertEquals("4777", Stat.of(file).octalPermissions(), "setuid set before the write");
        fs.pythonAs(NOBODY, """
                fd = os.open(args[0], os.O_WRONLY | os.O_APPEND)
                os.write(fd, b" appended by nobody")
                os.close(fd)
                """, file.toString()).assertOk();
        assertEquals("0777", Stat.of(file).octalPermissions(), "mode after a write by a non-owner: setuid cleared");
        assertEquals("original appended by nobody", Files.readString(file), "the write itself succeeded");
    }

    @Test
    void write_byNonOwner_clearsSetgidOnGroupExecutableFile() throws IOException {
        Path shared = fs.newSharedDir("sgidwrite");
        Path file = shared.resolve("sgid");
        Files.writeString(file, "original");
        fs.python(CHMOD, file.toString(), "2777").assertOk();
        fs.pythonAs(NOBODY, "fd = os.open(args[0], os.O_WRONLY); os.write(fd, b'X'); os.close(fd)", file.toString()).assertOk();
        assertEquals("0777", Stat.of(file).octalPermissions(), "mode after a write by a non-owner: setgid (with g+x) cleared");
    }

    @Test
    void write_byRoot_keepsSetuidAndSetgid() throws IOException {
        Path file = fs.newDir("suidroot").resolve("suid");
        Files.writeString(file, "original");
        fs.python(CHMOD, file.toString(), "6777").assertOk();
        fs.python("fd = os.open(args[0], os.O_WRONLY); os.write(fd, b'X'); os.close(fd)", file.toString()).assertOk();
        assertEquals("6777", Stat.of(file).octalPermissions(), "CAP_FSETID keeps the bits, as on ext4");
    }

    @Test
    void write_byCallerOutsideTheGroup_clearsSetgidWithoutGroupExec() throws IOException {
        Path shared = fs.newSharedDir("sgidlock");
        Path file = shared.resolve("sgid");
        Files.writeString(file, "original");
        fs.python(CHMOD, file.toString(), "2767").assertOk();
        fs.pythonAs(NOBODY, "fd = os.open(args[0], os.O_WRONLY); os.write(fd, b'X'); os.close(fd)", file.toString()).assertOk();
        assertEquals("0767", Stat.of(file).octalPermissions(), "nobody is not in group root: setgid cleared, as on ext4");
    }

    @Test
    void write_removesSecurityCapability() throws IOException {
        Path file = fs.newDir("capwrite").resolve("cap");
        Files.writeString(file, "original");
        // a v2 file capability: cap_net_bind_service permitted
        fs.python("os.setxattr(args[0], 'security.capability', bytes.fromhex('0100000200040000000000000000000000000000'))",
                file.toString()).assertOk();
        fs.python("fd = os.open(args[0], os.O_WRONLY); os.write(fd, b'X'); os.close(fd)", file.toString()).assertOk();
        fs.python("""
                try:
                    os.getxattr(args[0], 'security.capability')
                    sys.exit('the capability survived a write')
                except OSError as e:
                    assert e.errno == errno.ENODATA, e
                """, file.toString()).assertOk();
    }

    @Test
    void truncate_byNonOwner_clearsSetuid() throws IOException {
        Path shared = fs.newSharedDir("suidtrunc");
        Path file = shared.resolve("suid");
        Files.writeString(file, "original");
        fs.python(CHMOD, file.toString(), "4777").assertOk();
        fs.pythonAs(NOBODY, "os.truncate(args[0], 3)", file.toString()).assertOk();
        assertEquals("0777", Stat.of(file).octalPermissions(), "mode after truncate by a non-owner: setuid cleared");
        assertEquals(3, Files.size(file), "the truncate itself succeeded");
    }

    @Test
    void chown_clearsSetuidAndSetgid() throws IOException {
        Path dir = fs.newDir("suidchown");
        Path file = Files.createFile(dir.resolve("suid"));
        fs.python(CHMOD, file.toString(), "6755").assertOk();
        assertEquals("6755", Stat.of(file).octalPermissions(), "setuid and setgid set before chown");
        fs.python(CHOWN, file.toString(), "1000", "1000").assertOk();
        Stat st = Stat.of(file);
        assertEquals(0, st.permissions() & Stat.S_ISUID, "setuid cleared by chown; mode is " + st.octalPermissions());
        assertEquals(0, st.permissions() & Stat.S_ISGID, "setgid (with g+x) cleared by chown; mode is " + st.octalPermissions());
        assertEquals(0755, st.permissions() & 0777, "permission bits kept by chown");
        assertEquals(1000, st.uid(), "chown applied");
    }

    @Test
    void chown_namingNeitherId_clearsSetuid() throws IOException {
        Path file = Files.createFile(fs.newDir("suidchown1").resolve("suid"));
        fs.python(CHMOD, file.toString(), "6755").assertOk();
        fs.python(CHOWN, file.toString(), "-1", "-1").assertOk();
        assertEquals("0755", Stat.of(file).octalPermissions(), "chown(f, -1, -1) clears set-id bits, as on ext4");
    }

    // ---------------------------------------------------------------- times

    @Test
    void utime_withNanoseconds_setsExactTimes() throws IOException {
        Path file = Files.createFile(fs.newDir("utime").resolve("f"));
        fs.python("os.utime(args[0], ns=(1_500_000_000_111_222_333, 1_600_000_000_444_555_666))", file.toString()).assertOk();
        Stat st = Stat.of(file);
        assertEquals(1_500_000_000_111_222_333L, st.atimeNs(), "atime with nanoseconds");
        assertEquals(1_600_000_000_444_555_666L, st.mtimeNs(), "mtime with nanoseconds");
    }

    @Test
    void utimensat_honoursUtimeOmitAndUtimeNowPerField() throws IOException {
        Path file = Files.createFile(fs.newDir("utimensat").resolve("f"));
        long a0 = 1_000_000_000_000_000_001L;
        long m0 = 1_100_000_000_000_000_002L;
        fs.python(UTIMENSAT, file.toString(), Long.toString(a0), Long.toString(m0)).assertOk();
        assertEquals(a0, Stat.of(file).atimeNs(), "atime set explicitly");
        assertEquals(m0, Stat.of(file).mtimeNs(), "mtime set explicitly");

        long m1 = 1_200_000_000_000_000_003L;
        fs.python(UTIMENSAT, file.toString(), "omit", Long.toString(m1)).assertOk();
        assertEquals(a0, Stat.of(file).atimeNs(), "atime unchanged with UTIME_OMIT");
        assertEquals(m1, Stat.of(file).mtimeNs(), "mtime set while atime was omitted");

        long before = System.currentTimeMillis() * 1_000_000L - 2_000_000_000L;
        fs.python(UTIMENSAT, file.toString(), "now", "omit").assertOk();
        long after = System.currentTimeMillis() * 1_000_000L + 2_000_000_000L;
        Stat st = Stat.of(file);
        assertTrue(st.atimeNs() >= before && st.atimeNs() <= after, "atime set to now by UTIME_NOW, was " + st.atimeNs());
        assertEquals(m1, st.mtimeNs(), "mtime unchanged with UTIME_OMIT");

        fs.python(UTIMENSAT, file.toString(), "omit", "now").assertOk();
        st = Stat.of(file);
        assertTrue(st.mtimeNs() >= before, "mtime set to now by UTIME_NOW, was " + st.mtimeNs());

        Stat beforeOmit = Stat.of(file);
        fs.python(UTIMENSAT, file.toString(), "omit", "omit").assertOk();
        assertEquals(beforeOmit.atimeNs(), Stat.of(file).atimeNs(), "atime unchanged when both fields are UTIME_OMIT");
        assertEquals(beforeOmit.mtimeNs(), Stat.of(file).mtimeNs(), "mtime unchanged when both fields are UTIME_OMIT");
    }

    @Test
    void touchTools_changeOnlyTheRequestedTime() throws IOException {
        Path file = Files.createFile(fs.newDir("touch").resolve("f"));
        fs.python("os.utime(args[0], ns=(10**18, 10**18))", file.toString()).assertOk();
        fs.run("touch", "-a", "-d", "@1700000000", file.toString()).assertOk();
        assertEquals(1_700_000_000L * 1_000_000_000L, Stat.of(file).atimeNs(), "touch -a sets atime");
        assertEquals(1_000_000_000_000_000_000L, Stat.of(file).mtimeNs(), "touch -a leaves mtime (UTIME_OMIT)");
        fs.run("touch", "-m", "-d", "@1650000000", file.toString()).assertOk();
        assertEquals(1_650_000_000L * 1_000_000_000L, Stat.of(file).mtimeNs(), "touch -m sets mtime");
        assertEquals(1_700_000_000L * 1_000_000_000L, Stat.of(file).atimeNs(), "touch -m leaves atime (UTIME_OMIT)");
    }

    @Test
    void timesAfter2038_roundTrip() throws IOException {
        Path file = Files.createFile(fs.newDir("y2100").resolve("f"));
        fs.python("os.utime(args[0], ns=(int(args[1]), int(args[1])))", file.toString(), Long.toString(Y2100_NS)).assertOk();
        Stat st = Stat.of(file);
        assertEquals(Y2100_NS, st.atimeNs(), "atime 2100-01-01T00:00:00.123456789Z");
        assertEquals(Y2100_NS, st.mtimeNs(), "mtime 2100-01-01T00:00:00.123456789Z");
        assertEquals("4102444800", fs.run("stat", "-c", "%Y", file.toString()).assertOk().out(), "stat(1) shows mtime in 2100");
    }

    @Test
    void timesBefore1970_roundTrip() throws IOException {
        Path file = Files.createFile(fs.newDir("y1960").resolve("f"));
        long t = -315_619_200L * 1_000_000_000L; // 1960-01-01
        fs.python("os.utime(args[0], ns=(int(args[1]), int(args[1])))", file.toString(), Long.toString(t)).assertOk();
        assertEquals(t, Stat.of(file).mtimeNs(), "mtime 1960-01-01");
    }

    @Test
    void touch_byNonOwnerWithWritePermission_setsTimesToNow_butExplicitTimesAreRefused() throws IOException {
        Path shared = fs.newSharedDir("touchother");
        Path file = Files.createFile(shared.resolve("f"));
        fs.python(CHMOD, file.toString(), "0666").assertOk();
        fs.python("os.utime(args[0], ns=(10**18, 10**18))", file.toString()).assertOk();
        long before = System.currentTimeMillis() * 1_000_000L - 2_000_000_000L;
        fs.runAs(NOBODY, "touch", file.toString()).assertOk();
        assertTrue(Stat.of(file).mtimeNs() >= before, "utimensat(NULL) by a non-owner with write permission sets mtime to now");
        fs.pythonAs(NOBODY, "os.utime(args[0], ns=(5, 5))", file.toString()).assertErrno("EPERM");
    }

    @Test
    void ctime_movesOnChmodChownLinkUnlinkTruncateWriteUtimeAndSetxattr() throws IOException {
        Path dir = fs.newDir("ctime");
        Path file = dir.resolve("f");
        Files.writeString(file, "ctime");
        assertCtimeMoves(file, "chmod", p -> fs.python(CHMOD, p.toString(), "0600").assertOk());
        assertCtimeMoves(file, "chown", p -> fs.python(CHOWN, p.toString(), "7", "7").assertOk());
        assertCtimeMoves(file, "link", p -> fs.python("os.link(args[0], args[1])", p.toString(), dir.resolve("g").toString()).assertOk());
        assertCtimeMoves(file, "unlink of the other name", p -> fs.python("os.unlink(args[0])", dir.resolve("g").toString()).assertOk());
        assertCtimeMoves(file, "truncate", p -> fs.python("os.truncate(args[0], 2)", p.toString()).assertOk());
        assertCtimeMoves(file, "write", p -> fs.python("""
                fd = os.open(args[0], os.O_WRONLY)
                os.write(fd, b"abc")
                os.close(fd)
                """, p.toString()).assertOk());
        assertCtimeMoves(file, "utime", p -> fs.python("os.utime(args[0], ns=(5, 5))", p.toString()).assertOk());
        assertCtimeMoves(file, "setxattr", p -> fs.python("os.setxattr(args[0], 'user.c', b'1')", p.toString()).assertOk());
    }

    @Test
    void write_movesMtimeAndCtime_readDoesNotMoveMtime() throws IOException {
        Path file = Files.createFile(fs.newDir("mtime").resolve("f"));
        fs.python("os.utime(args[0], ns=(10**18, 10**18))", file.toString()).assertOk();
        Files.readAllBytes(file);
        assertEquals(1_000_000_000_000_000_000L, Stat.of(file).mtimeNs(), "reading does not change mtime");
        long before = System.currentTimeMillis() * 1_000_000L - 2_000_000_000L;
        Files.writeString(file, "changed");
        Stat st = Stat.of(file);
        assertTrue(st.mtimeNs() >= before, "write sets mtime to about now, was " + st.mtimeNs());
        assertTrue(st.ctimeNs() >= before, "write sets ctime to about now, was " + st.ctimeNs());
    }

    @Test
    void creatingAnEntry_movesTheParentsMtimeAndCtime() throws IOException {
        Path dir = fs.newDir("parent");
        fs.python("os.utime(args[0], ns=(10**18, 10**18))", dir.toString()).assertOk();
        Files.createFile(dir.resolve("child"));
        assertTrue(Stat.of(dir).mtimeNs() > 1_000_000_000_000_000_000L, "creating a child updates the parent's mtime");
        fs.python("os.utime(args[0], ns=(10**18, 10**18))", dir.toString()).assertOk();
        Files.delete(dir.resolve("child"));
        assertTrue(Stat.of(dir).mtimeNs() > 1_000_000_000_000_000_000L, "removing a child updates the parent's mtime");
    }

    private static void assertCtimeMoves(Path file, String operation, Consumer<Path> op) {
        long previous = Stat.of(file).ctimeNs();
        awaitClockPast(previous);
        op.accept(file);
        long now = Stat.of(file).ctimeNs();
        assertTrue(now > previous, "ctime after " + operation + " must be later than before: before " + previous + ", after " + now);
    }

    /** Polls until the wall clock is 10 ms past {@code ns}, so that a new timestamp is distinguishable. */
    private static void awaitClockPast(long ns) {
        MountFixture.await("the clock to pass " + ns, Duration.ofSeconds(5),
                () -> System.currentTimeMillis() * 1_000_000L > ns + 10_000_000L);
    }
}
