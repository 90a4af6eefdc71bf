package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Extended attributes: the operations Samba's vfs_fruit and streams_xattr rely on. */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class XattrIT {

    @RegisterExtension
    static final MountFixture fs = new MountFixture();

    /** Python: getxattr with an explicit buffer size through libc, printing the return value. */
    static final String GETXATTR_SIZED = """
            libc.getxattr.restype = ctypes.c_ssize_t
            size = int(args[2])
            buf = ctypes.create_string_buffer(max(size, 1))
            n = check(libc.getxattr(args[0].encode(), args[1].encode(), buf if size > 0 else None, ctypes.c_size_t(size)))
            print(n)
            """;

    @Test
    void set_get_list_remove_roundTrip() throws IOException {
        Path file = newFile("basic");
        UserDefinedFileAttributeView view = view(file);
        view.write("alpha", utf8("one"));
        view.write("beta", utf8("two two"));
        assertEquals(Set.of("alpha", "beta"), new HashSet<>(view.list()), "listxattr after two setxattr");
        assertEquals("one", read(view, "alpha"), "getxattr user.alpha");
        assertEquals("two two", read(view, "beta"), "getxattr user.beta");

        view.write("alpha", utf8("1"));
        assertEquals("1", read(view, "alpha"), "a shorter value replaces the longer one exactly");

        view.delete("alpha");
        assertEquals(List.of("beta"), view.list(), "listxattr after removexattr user.alpha");
        fs.python("os.getxattr(args[0], 'user.alpha')", file.toString()).assertErrno("ENODATA");
    }

    @Test
    void value_ofExactly64KiB_roundTrips() throws IOException {
        Path file = newFile("big");
        byte[] value = FileDataIT.randomBytes(65536, 64);
        view(file).write("big", ByteBuffer.wrap(value));
        assertEquals(65536, view(file).size("big"), "getxattr size query for a 64 KiB value");
        ByteBuffer back = ByteBuffer.allocate(65536);
        view(file).read("big", back);
        assertArrayEquals(value, back.array(), "64 KiB value read back");
        String sha = fs.python("print(hashlib.sha256(os.getxattr(args[0], 'user.big')).hexdigest())", file.toString())
                .assertOk().out();
        assertEquals(sha256(value), sha, "python os.getxattr sees the same 64 KiB value");
    }

    @Test
    void macAndWindowsStreamNames_roundTrip() throws IOException {
        Path file = newFile("names");
        byte[] finderInfo = new byte[32];
        finderInfo[0] = 'T';
        finderInfo[1] = 'E';
        finderInfo[2] = 'X';
        finderInfo[3] = 'T';
        byte[] resourceFork = FileDataIT.randomBytes(60_000, 7);
        byte[] dosStream = "stream data\0with a NUL".getBytes(StandardCharsets.UTF_8);
        UserDefinedFileAttributeView view = view(file);
        view.write("com.apple.FinderInfo", ByteBuffer.wrap(finderInfo));
        view.write("com.apple.ResourceFork", ByteBuffer.wrap(resourceFork));
        view.write("DosStream.foo:$DATA", ByteBuffer.wrap(dosStream));

        assertEquals(Set.of("com.apple.FinderInfo", "com.apple.ResourceFork", "DosStream.foo:$DATA"), new HashSet<>(view.list()),
                "listxattr names");
        assertArrayEquals(finderInfo, readBytes(view, "com.apple.FinderInfo"), "user.com.apple.FinderInfo");
        assertArrayEquals(resourceFork, readBytes(view, "com.apple.ResourceFork"), "user.com.apple.ResourceFork");
        assertArrayEquals(dosStream, readBytes(view, "DosStream.foo:$DATA"), "user.DosStream.foo:$DATA (value with a NUL byte)");
    }

    /**
     * Names were accepted without bound, until a listxattr could no longer return them (E2BIG) and rsync -X,
     * cp -a and getfattr failed on the file. Now the name that would not fit fails with ENOSPC, as on ext4
     * (there when its xattr space is full, sooner), and every name set lists.
     */
    @Test
    void xattrNamesUntilOneIsRefused_failWithENOSPC_andAllThatWereSetList() throws IOException {
        Path file = newFile("many");
        String out = fs.python("""
                import errno
                set_ = 0
                try:
                    for i in range(1000):
                        os.setxattr(args[0], "user.%03d" % i + "n" * 247, b"v")
                        set_ += 1
                    print("no refusal")
                except OSError as e:
                    print(errno.errorcode[e.errno], len(os.listxattr(args[0])) == set_, set_ > 0)
                """, file.toString()).assertOk().out();
        assertEquals("ENOSPC True True", out.strip(), "refused with ENOSPC; every name set lists");
    }

    @Test
    void xattrCreate_onExistingName_failsWithEEXIST() throws IOException {
        Path file = newFile("create");
        fs.python("os.setxattr(args[0], 'user.x', b'first', os.XATTR_CREATE)", file.toString()).assertOk();
        fs.python("os.setxattr(args[0], 'user.x', b'second', os.XATTR_CREATE)", file.toString()).assertErrno("EEXIST");
        assertEquals("first", read(view(file), "x"), "the value is unchanged after the failed XATTR_CREATE");
    }

    @Test
    void xattrReplace_onMissingName_failsWithENODATA() throws IOException {
        Path file = newFile("replace");
        fs.python("os.setxattr(args[0], 'user.missing', b'v', os.XATTR_REPLACE)", file.toString()).assertErrno("ENODATA");
        assertEquals(List.of(), view(file).list(), "no attribute was created by the failed XATTR_REPLACE");
        view(file).write("present", utf8("old"));
        fs.python("os.setxattr(args[0], 'user.present', b'new', os.XATTR_REPLACE)", file.toString()).assertOk();
        assertEquals("new", read(view(file), "present"), "XATTR_REPLACE on an existing name replaces the value");
    }

    @Test
    void get_ofMissingName_failsWithENODATA() throws IOException {
        Path file = newFile("missing");
        fs.python("os.getxattr(args[0], 'user.nothing')", file.toString()).assertErrno("ENODATA");
        fs.python("os.removexattr(args[0], 'user.nothing')", file.toString()).assertErrno("ENODATA");
    }

    @Test
    void getxattr_withShortBuffer_failsWithERANGE() throws IOException {
        Path file = newFile("erange");
        view(file).write("hundred", ByteBuffer.wrap(new byte[100]));
        assertEquals("100", fs.python(GETXATTR_SIZED, file.toString(), "user.hundred", "0").assertOk().out(),
                "getxattr with size 0 returns the value's length");
        fs.python(GETXATTR_SIZED, file.toString(), "user.hundred", "4").assertErrno("ERANGE");
        assertEquals("100", fs.python(GETXATTR_SIZED, file.toString(), "user.hundred", "100").assertOk().out(),
                "getxattr with an exact-size buffer succeeds");
    }

    @Test
    void listxattr_withShortBuffer_failsWithERANGE() throws IOException {
        Path file = newFile("listrange");
        view(file).write("some.longer.attribute.name", utf8("v"));
        String script = """
                libc.listxattr.restype = ctypes.c_ssize_t
                size = int(args[1])
                buf = ctypes.create_string_buffer(max(size, 1))
                print(check(libc.listxattr(args[0].encode(), buf if size > 0 else None, ctypes.c_size_t(size))))
                """;
        int needed = "user.some.longer.attribute.name".length() + 1;
        assertEquals(Integer.toString(needed), fs.python(script, file.toString(), "0").assertOk().out(),
                "listxattr with size 0 returns the length of the name list");
        fs.python(script, file.toString(), "5").assertErrno("ERANGE");
    }

    @Test
    void setfattrAndGetfattr_tools_roundTripBinaryValues() throws IOException {
        Path file = newFile("tools");
        fs.run("setfattr", "-n", "user.tool", "-v", "0x00ff10ab", file.toString()).assertOk();
        ToolResult get = fs.run("getfattr", "-e", "hex", "-n", "user.tool", file.toString()).assertOk();
        assertTrue(get.stdout().contains("user.tool=0x00ff10ab"), "getfattr shows the hex value\n" + get.describe());
        fs.run("setfattr", "-x", "user.tool", file.toString()).assertOk();
        ToolResult dump = fs.run("getfattr", "-d", "-m", "-", file.toString());
        assertTrue(!dump.stdout().contains("user.tool"), "getfattr -d no longer lists the removed attribute\n" + dump.describe());
    }

    @Test
    void emptyValue_roundTrips() throws IOException {
        Path file = newFile("empty");
        fs.python("os.setxattr(args[0], 'user.empty', b'')", file.toString()).assertOk();
        assertEquals("b''", fs.python("print(repr(os.getxattr(args[0], 'user.empty')))", file.toString()).assertOk().out(),
                "an empty value reads back as empty");
        assertEquals(List.of("empty"), view(file).list(), "an attribute with an empty value is listed");
    }

    @Test
    void xattrsOnDirectories_work() throws IOException {
        Path dir = fs.newDir("xattrdir");
        view(dir).write("com.apple.FinderInfo", ByteBuffer.wrap(new byte[32]));
        assertEquals(List.of("com.apple.FinderInfo"), view(dir).list(), "listxattr on a directory");
        assertEquals(32, view(dir).size("com.apple.FinderInfo"), "value size on a directory");
    }

    @Test
    void manyAttributes_areAllListed() throws IOException {
        Path file = newFile("many");
        UserDefinedFileAttributeView view = view(file);
        Set<String> expected = new TreeSet<>();
        for (int i = 0; i < 100; i++) {
            String name = "attr." + i + ".x".repeat(i % 7);
            view.write(name, utf8("value " + i));
            expected.add(name);
        }
        assertEquals(expected, new TreeSet<>(view.list()), "all 100 names listed");
        for (int i = 0; i < 100; i += 9) {
            String name = "attr." + i + ".x".repeat(i % 7);
            assertEquals("value " + i, read(view, name), "value of " + name);
        }
    }

    @Test
    void removingAFile_removesItsAttributes() throws IOException {
        Path dir = fs.newDir("reuse");
        Path file = Files.createFile(dir.resolve("f"));
        view(file).write("stale", utf8("old"));
        Files.delete(file);
        Files.createFile(file);
        assertEquals(List.of(), view(file).list(), "a new file with the name of a deleted one has no attributes");
    }

    // ---------------------------------------------------------------- helpers

    private Path newFile(String hint) throws IOException {
        return Files.createFile(fs.newDir(hint).resolve("f"));
    }

    static UserDefinedFileAttributeView view(Path p) {
        return Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
    }

    static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    static String read(UserDefinedFileAttributeView view, String name) throws IOException {
        return new String(readBytes(view, name), StandardCharsets.UTF_8);
    }

    static byte[] readBytes(UserDefinedFileAttributeView view, String name) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(view.size(name));
        view.read(name, bb);
        return Arrays.copyOf(bb.array(), bb.position());
    }

    static String sha256(byte[] data) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
