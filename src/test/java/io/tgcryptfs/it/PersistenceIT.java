package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Everything survives unmount and remount: contents, names, modes, owners, times, xattrs, links, special files. */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PersistenceIT {

    static final int MiB = 1 << 20;
    static final long Y2100_NS = PermissionIT.Y2100_NS;

    @RegisterExtension
    static final MountFixture fs = new MountFixture();

    @Test
    void aTreeOfFiles_survivesUnmountAndRemount_twice() throws IOException {
        Path top = fs.newDir("tree");
        buildTree(top);
        Map<String, String> before = snapshot(top);
        long hardIno = Stat.of(top.resolve("hard1")).ino();

        fs.restart();

        Stat times = Stat.of(top.resolve("times-2100"));
        assertEquals(Y2100_NS, times.atimeNs(), "atime of times-2100 after remount");
        assertEquals(Y2100_NS, times.mtimeNs(), "mtime of times-2100 after remount");
        assertSnapshotsEqual(before, snapshot(top), "after the first remount");
        assertEquals(hardIno, Stat.of(top.resolve("hard1")).ino(), "hard1 keeps its inode number");
        assertEquals(hardIno, Stat.of(top.resolve("sub/hard2")).ino(), "sub/hard2 shows the same inode number as hard1");
        assertFalse(Files.exists(top.resolve("deleted"), LinkOption.NOFOLLOW_LINKS), "a deleted file stays deleted");

        // the remounted volume is writable, and what is written now survives too
        Files.writeString(top.resolve("small.txt"), " and more", StandardOpenOption.APPEND);
        Files.write(top.resolve("after-remount.bin"), FileDataIT.randomBytes(2 * MiB + 1, 5));
        Files.delete(top.resolve("sub/hard2"));
        fs.python("os.rename(args[0], args[1])", top.resolve("renamed-to").toString(), top.resolve("renamed-again").toString()).assertOk();
        Map<String, String> second = snapshot(top);

        fs.restart();

        assertSnapshotsEqual(second, snapshot(top), "after the second remount");
        assertEquals("hello and more", Files.readString(top.resolve("small.txt")), "appended text survives");
        assertEquals(1, Stat.of(top.resolve("hard1")).nlink(), "nlink after unlinking the other name survives");
    }

    @Test
    void manyFilesInOneDirectory_surviveRemount() throws IOException {
        Path dir = fs.newDir("manyfiles");
        TreeSet<String> names = new TreeSet<>();
        for (int i = 0; i < 500; i++) {
            String name = "file-" + i;
            Files.writeString(dir.resolve(name), "content " + i);
            names.add(name);
        }
        fs.restart();
        assertEquals(names, DirectoryIT.list(dir), "500 names after remount");
        for (int i = 0; i < 500; i += 37) {
            assertEquals("content " + i, Files.readString(dir.resolve("file-" + i)), "content of file-" + i + " after remount");
        }
    }

    @Test
    void dataWrittenAndFsyncedJustBeforeUnmount_survives() throws IOException {
        Path file = fs.newDir("lastwrite").resolve("f");
        byte[] data = FileDataIT.randomBytes(9 * MiB + 77, 42);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            FileDataIT.writeFully(ch, data, 0);
            ch.force(true);
        }
        // written but never fsynced: unmount must drain it as well
        byte[] unsynced = FileDataIT.randomBytes(MiB + 3, 43);
        Path file2 = file.resolveSibling("unsynced");
        Files.write(file2, unsynced);
        fs.restart();
        FileDataIT.assertContentEquals(data, file, "fsynced file after remount");
        FileDataIT.assertContentEquals(unsynced, file2, "file written just before unmount, after remount");
    }

    @Test
    void theTimesAnOverwriteMoved_surviveRemount() throws IOException {
        // under the writeback cache the kernel moves a file's times on a write and sends them on; the
        // write itself moves nothing here when the file does not grow
        Path file = fs.newDir("overwrite").resolve("f");
        Files.write(file, FileDataIT.randomBytes(8192, 7));
        Stat before = Stat.of(file);
        Stat after = before;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            // the kernel's clock is coarse (a few ms): write until the times it keeps have moved
            for (int i = 0; i < 10_000 && after.mtimeNs() == before.mtimeNs(); i++) {
                ch.write(ByteBuffer.wrap(new byte[] {(byte) i}), 100);
                after = Stat.of(file);
            }
            ch.force(false);
        }
        after = Stat.of(file);
        assertTrue(after.mtimeNs() > before.mtimeNs(), "the overwrite moved mtime");
        assertEquals(8192, after.size());
        fs.restart();
        Stat remounted = Stat.of(file);
        assertEquals(after.mtimeNs(), remounted.mtimeNs(), "mtime after remount");
        assertEquals(after.ctimeNs(), remounted.ctimeNs(), "ctime after remount");
    }

    // ---------------------------------------------------------------- the tree

    private static void buildTree(Path top) throws IOException {
        Files.writeString(top.resolve("small.txt"), "hello");
        Files.write(top.resolve("blocks.bin"), FileDataIT.randomBytes(3 * MiB + 5, 1));
        try (FileChannel ch = FileChannel.open(top.resolve("sparse.bin"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 9L * MiB + 5);
            ch.write(ByteBuffer.wrap(new byte[] {9}), 100);
        }
        Files.createFile(top.resolve("empty"));

        Path x = Files.writeString(top.resolve("xattrs.txt"), "with attributes");
        UserDefinedFileAttributeView view = XattrIT.view(x);
        view.write("small", XattrIT.utf8("v"));
        view.write("com.apple.ResourceFork", ByteBuffer.wrap(FileDataIT.randomBytes(65536, 2)));
        view.write("com.apple.FinderInfo", ByteBuffer.wrap(new byte[32]));
        view.write("DosStream.foo:$DATA", XattrIT.utf8("stream"));
        XattrIT.view(Files.createDirectory(top.resolve("dir-with-xattr"))).write("on.dir", XattrIT.utf8("d"));

        Path sub = Files.createDirectory(top.resolve("sub"));
        Files.writeString(top.resolve("hard1"), "linked content");
        Files.createLink(sub.resolve("hard2"), top.resolve("hard1"));
        Files.createSymbolicLink(top.resolve("symrel"), Path.of("small.txt"));
        Files.createSymbolicLink(top.resolve("symabs"), top.resolve("blocks.bin"));
        Files.createSymbolicLink(top.resolve("symdangling"), Path.of("../nowhere"));

        Path priv = Files.createDirectory(top.resolve("private"));
        Files.writeString(priv.resolve("secret"), "owned by someone else");
        fs.python("os.chown(args[0], 1234, 5678); os.chmod(args[0], 0o640)", priv.resolve("secret").toString()).assertOk();
        fs.python("os.chmod(args[0], 0o700)", priv.toString()).assertOk();
        fs.python("os.chmod(args[0], 0o4755)", Files.writeString(top.resolve("suid"), "#!/bin/sh\n").toString()).assertOk();

        Path times = Files.createFile(top.resolve("times-2100"));
        fs.python("os.utime(args[0], ns=(int(args[1]), int(args[1])))", times.toString(), Long.toString(Y2100_NS)).assertOk();

        fs.run("mkfifo", top.resolve("fifo").toString()).assertOk();
        fs.python("os.mknod(args[0], stat.S_IFCHR | 0o644, os.makedev(1, 7))", top.resolve("chr").toString()).assertOk();

        Files.writeString(top.resolve("n".repeat(255)), "long name");
        Files.writeString(top.resolve("ünïcødé ✓ name"), "unicode name");
        Files.writeString(top.resolve("renamed-from"), "renamed");
        fs.python("os.rename(args[0], args[1])", top.resolve("renamed-from").toString(), top.resolve("renamed-to").toString()).assertOk();
        Files.writeString(top.resolve("deleted"), "gone");
        Files.delete(top.resolve("deleted"));
        Path truncated = Files.write(top.resolve("truncated"), FileDataIT.randomBytes(2 * MiB, 3));
        fs.python("os.truncate(args[0], 1000)", truncated.toString()).assertOk();

        Path deep = top;
        for (String d : List.of("a", "b", "c", "d", "e")) {
            deep = Files.createDirectory(deep.resolve(d));
        }
        Files.writeString(deep.resolve("deep.txt"), "deep");
        Path many = Files.createDirectory(top.resolve("many"));
        for (int i = 0; i < 300; i++) {
            Files.writeString(many.resolve("entry-" + i), Integer.toString(i));
        }
    }

    // ---------------------------------------------------------------- snapshot

    /** One line per entry under {@code top}: every attribute that must survive, content and xattr hashes. */
    static Map<String, String> snapshot(Path top) {
        Map<String, String> lines = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(top)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                lines.put(top.relativize(p).toString(), describe(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines;
    }

    private static String describe(Path p) {
        Stat st = Stat.of(p);
        StringBuilder b = new StringBuilder();
        b.append("mode=").append(Integer.toOctalString(st.mode()))
                .append(" ino=").append(st.ino())
                .append(" nlink=").append(st.nlink())
                .append(" uid=").append(st.uid())
                .append(" gid=").append(st.gid())
                .append(" size=").append(st.size())
                .append(" rdev=").append(st.rdev())
                .append(" mtime=").append(st.mtimeNs())
                .append(" ctime=").append(st.ctimeNs());
        try {
            switch (st.type()) {
                case Stat.S_IFREG -> b.append(" sha256=").append(st.size() == 0 ? "-" : XattrIT.sha256(Files.readAllBytes(p)));
                case Stat.S_IFLNK -> b.append(" target=").append(Files.readSymbolicLink(p));
                default -> { }
            }
            if (st.type() == Stat.S_IFREG || st.type() == Stat.S_IFDIR) {
                UserDefinedFileAttributeView view = XattrIT.view(p);
                for (String name : new TreeSet<>(view.list())) {
                    b.append(" user.").append(name).append('=').append(XattrIT.sha256(XattrIT.readBytes(view, name)));
                }
            }
        } catch (IOException e) {
            b.append(" error=").append(e);
        }
        return b.toString();
    }

    static void assertSnapshotsEqual(Map<String, String> expected, Map<String, String> actual, String when) {
        List<String> diffs = new ArrayList<>();
        TreeSet<String> paths = new TreeSet<>(expected.keySet());
        paths.addAll(actual.keySet());
        for (String path : paths) {
            String e = expected.get(path);
            String a = actual.get(path);
            if (!java.util.Objects.equals(e, a)) {
                diffs.add("  " + abbreviate(path) + "\n    expected: " + e + "\n    actual:   " + a);
            }
        }
        if (!diffs.isEmpty()) {
            fail(when + ": " + diffs.size() + " of " + paths.size() + " entries differ\n" + String.join("\n", diffs));
        }
    }

    private static String abbreviate(String path) {
        return path.length() <= 80 ? path : path.substring(0, 40) + "..." + path.substring(path.length() - 20);
    }
}
