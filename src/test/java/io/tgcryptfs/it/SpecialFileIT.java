package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** mknod: FIFOs, sockets, device nodes (with rdev) and plain files; and statfs. */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SpecialFileIT {

    @RegisterExtension
    static final MountFixture fs = new MountFixture();

    @Test
    void mkfifo_createsAWorkingFifo() throws IOException {
        Path fifo = fs.newDir("fifo").resolve("pipe");
        fs.run("mkfifo", "-m", "0640", fifo.toString()).assertOk();
        Stat st = Stat.of(fifo);
        assertEquals(Stat.S_IFIFO, st.type(), "file type of a FIFO made by mkfifo; mode " + Integer.toOctalString(st.mode()));
        assertEquals("0640", st.octalPermissions(), "mode of the FIFO");
        assertEquals("fifo", fs.run("stat", "-c", "%F", fifo.toString()).assertOk().out(), "stat(1) file type");
        String out = fs.python("""
                fd = os.open(args[0], os.O_RDWR | os.O_NONBLOCK)
                os.write(fd, b"through the fifo")
                print(os.read(fd, 100).decode())
                os.close(fd)
                """, fifo.toString()).assertOk().out();
        assertEquals("through the fifo", out, "bytes written into the FIFO come out of it");
    }

    @Test
    void unixSocket_canBeBoundAndConnectedInTheMount() {
        Path path = fs.newDir("socket").resolve("s");
        String out = fs.python("""
                server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                server.bind(args[0])
                server.listen(1)
                st = os.lstat(args[0])
                assert stat.S_ISSOCK(st.st_mode), oct(st.st_mode)
                client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                client.connect(args[0])
                conn, _ = server.accept()
                client.sendall(b"hello socket")
                print(conn.recv(100).decode())
                """, path.toString()).assertOk().out();
        assertEquals("hello socket", out, "message through a UNIX socket bound in the mount");
        assertEquals(Stat.S_IFSOCK, Stat.of(path).type(), "file type of the socket node");
    }

    @Test
    void mknod_charDevice_keepsRdev() {
        Path dev = fs.newDir("chr").resolve("zero");
        fs.python("os.mknod(args[0], stat.S_IFCHR | 0o644, os.makedev(1, 7))", dev.toString()).assertOk();
        Stat st = Stat.of(dev);
        assertEquals(Stat.S_IFCHR, st.type(), "file type of a character device node");
        assertEquals("1,7", fs.python("st = os.lstat(args[0]); print('%d,%d' % (os.major(st.st_rdev), os.minor(st.st_rdev)))",
                dev.toString()).assertOk().out(), "major,minor of the character device");
        assertEquals("0644", st.octalPermissions(), "mode of the device node");
    }

    @Test
    void mknod_blockDevice_keepsRdev() {
        Path dev = fs.newDir("blk").resolve("loop");
        fs.python("os.mknod(args[0], stat.S_IFBLK | 0o600, os.makedev(7, 3))", dev.toString()).assertOk();
        assertEquals(Stat.S_IFBLK, Stat.of(dev).type(), "file type of a block device node");
        assertEquals("7,3", fs.python("st = os.lstat(args[0]); print('%d,%d' % (os.major(st.st_rdev), os.minor(st.st_rdev)))",
                dev.toString()).assertOk().out(), "major,minor of the block device");
    }

    @Test
    void mknod_regularFile_createsAnEmptyWritableFile() throws IOException {
        Path file = fs.newDir("mknodreg").resolve("f");
        fs.python("os.mknod(args[0], stat.S_IFREG | 0o640)", file.toString()).assertOk();
        Stat st = Stat.of(file);
        assertEquals(Stat.S_IFREG, st.type(), "mknod S_IFREG makes a regular file");
        assertEquals(0, st.size(), "empty");
        Files.writeString(file, "written");
        assertEquals("written", Files.readString(file), "the mknod'ed file is writable");
    }

    @Test
    void mknod_onExistingName_failsWithEEXIST() throws IOException {
        Path dir = fs.newDir("mknodexists");
        Files.createFile(dir.resolve("f"));
        fs.python("os.mkfifo(args[0])", dir.resolve("f").toString()).assertErrno("EEXIST");
    }

    @Test
    void specialFiles_canBeRenamedAndRemoved() throws IOException {
        Path dir = fs.newDir("specialmv");
        fs.run("mkfifo", dir.resolve("p").toString()).assertOk();
        fs.python("os.mknod(args[0], stat.S_IFCHR | 0o600, os.makedev(1, 3))", dir.resolve("c").toString()).assertOk();
        fs.python("os.rename(args[0], args[1])", dir.resolve("p").toString(), dir.resolve("p2").toString()).assertOk();
        assertEquals(Stat.S_IFIFO, Stat.of(dir.resolve("p2")).type(), "renamed FIFO keeps its type");
        Files.delete(dir.resolve("p2"));
        Files.delete(dir.resolve("c"));
        assertEquals(java.util.Set.of(), DirectoryIT.list(dir), "special files removed");
    }

    @Test
    void statfs_reportsSaneNumbers() throws IOException {
        String out = fs.python("""
                s = os.statvfs(args[0])
                print(json.dumps(dict(bsize=s.f_bsize, frsize=s.f_frsize, blocks=s.f_blocks, bfree=s.f_bfree,
                    bavail=s.f_bavail, files=s.f_files, ffree=s.f_ffree, namemax=s.f_namemax)))
                """, fs.root().toString()).assertOk().out();
        String why = "statvfs of the mount: " + out;
        long bsize = field(out, "bsize");
        long blocks = field(out, "blocks");
        long bfree = field(out, "bfree");
        long bavail = field(out, "bavail");
        long files = field(out, "files");
        long ffree = field(out, "ffree");
        assertTrue(bsize > 0, "f_bsize > 0; " + why);
        assertTrue(field(out, "frsize") > 0, "f_frsize > 0; " + why);
        assertTrue(blocks > 0, "f_blocks > 0; " + why);
        assertTrue(bfree <= blocks, "f_bfree <= f_blocks; " + why);
        assertTrue(bavail <= bfree, "f_bavail <= f_bfree; " + why);
        assertTrue(files > 0, "f_files > 0; " + why);
        assertTrue(ffree <= files, "f_ffree <= f_files; " + why);
        assertEquals(255, field(out, "namemax"), "f_namemax; " + why);
        ToolResult df = fs.run("df", "-P", fs.root().toString()).assertOk();
        assertTrue(df.stdout().contains(fs.root().toString()), "df lists the mount\n" + df.describe());
    }

    @Test
    void statfs_usedSpaceGrows_whenDataIsWritten() throws IOException {
        long before = usedBytes();
        Path file = fs.newDir("statfsused").resolve("f");
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            FileDataIT.writeFully(ch, FileDataIT.randomBytes(32 << 20, 1), 0);
            ch.force(true);
        }
        MountFixture.await("statfs used bytes to grow by at least 16 MiB after writing 32 MiB (was " + before + ")",
                java.time.Duration.ofSeconds(30), () -> usedBytes() >= before + (16 << 20));
    }

    private static long usedBytes() {
        String out = fs.python("s = os.statvfs(args[0]); print((s.f_blocks - s.f_bfree) * s.f_frsize)", fs.root().toString())
                .assertOk().out();
        return Long.parseLong(out);
    }

    private static long field(String json, String name) {
        var m = java.util.regex.Pattern.compile("\"" + name + "\": (\\d+)").matcher(json);
        if (!m.find()) {
            throw new AssertionError("no " + name + " in " + json);
        }
        return Long.parseLong(m.group(1));
    }
}
