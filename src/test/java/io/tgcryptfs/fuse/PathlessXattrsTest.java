package io.tgcryptfs.fuse;

import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.testing.FixtureOptions;
import io.tgcryptfs.testing.VolumeFixture;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The xattr requests served by inode number, built byte by byte as the kernel sends them. */
class PathlessXattrsTest extends VolumeFixture {
    private static final Runtime RUNTIME = Runtime.getSystemRuntime();

    private PathlessXattrs xattrs;
    private long ino;
    private final Pointer out = Memory.allocateDirect(RUNTIME, PathlessXattrs.LARGEST_REPLY);

    @BeforeEach
    void open() {
        openVolume(FixtureOptions.defaults().uploads(false));
        vol.writeFile("/f", bytes(10));
        ino = gw.getattr("/f").ino();
        xattrs = new PathlessXattrs(gw.byInode());
    }

    /** A request: the 40-byte header (left zero: the worker read what it needs from it), then {@code body}. */
    private static Request request(byte[] body) {
        Pointer p = Memory.allocateDirect(RUNTIME, Wire.IN_HEADER + body.length);
        p.put(Wire.IN_HEADER, body, 0, body.length);
        return new Request(p, Wire.IN_HEADER + body.length);
    }

    private record Request(Pointer pointer, int length) {
    }

    private static byte[] body(int first, int second, String name, byte[] value) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + n.length + 1 + value.length).order(java.nio.ByteOrder.nativeOrder());
        b.putInt(first).putInt(second).put(n).put((byte) 0).put(value);
        return b.array();
    }

    private int serve(int opcode, Request r) {
        return xattrs.serve(opcode, ino, r.pointer(), r.length(), out);
    }

    @Test
    void setThenGet_answersTheSizeToSizeZero_theValueWhenItFits_andErangeWhenNot() {
        assertEquals(0, serve(Wire.SETXATTR, request(body(3, 0, "user.k", new byte[] {7, 8, 9}))));
        assertArrayEquals(new byte[] {7, 8, 9}, gw.getxattr("/f", "user.k"));

        assertEquals(8, serve(Wire.GETXATTR, request(body(0, 0, "user.k", new byte[0]))), "fuse_getxattr_out");
        assertEquals(3, out.getInt(0));
        assertEquals(3, serve(Wire.GETXATTR, request(body(100, 0, "user.k", new byte[0]))));
        byte[] value = new byte[3];
        out.get(0, value, 0, 3);
        assertArrayEquals(new byte[] {7, 8, 9}, value);
        FsException small = assertThrows(FsException.class, () -> serve(Wire.GETXATTR, request(body(2, 0, "user.k", new byte[0]))));
        assertEquals(FsError.BUFFER_TOO_SMALL, small.error());
    }

    @Test
    void listAndRemove_andCreateOnlyRefusesAnExistingName() {
        serve(Wire.SETXATTR, request(body(1, 0, "user.a", new byte[] {1})));
        FsException exists = assertThrows(FsException.class,
                () -> serve(Wire.SETXATTR, request(body(1, 1 /* XATTR_CREATE */, "user.a", new byte[] {2}))));
        assertEquals(FsError.EXISTS, exists.error());

        assertEquals(7, serve(Wire.LISTXATTR, request(body(100, 0, "", new byte[0]))));
        byte[] names = new byte[7];
        out.get(0, names, 0, 7);
        assertEquals("user.a\0", new String(names, StandardCharsets.US_ASCII));

        byte[] name = "user.a\0".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0, serve(Wire.REMOVEXATTR, request(name)));
        FsException gone = assertThrows(FsException.class, () -> gw.getxattr("/f", "user.a"));
        assertEquals(FsError.NO_ATTRIBUTE, gone.error());
    }

    @Test
    void aRequestShorterThanItsFieldsSay_isInvalid_andChangesNothing() {
        byte[] whole = body(1, 0, "user.k", new byte[] {1});
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 1); // the value's byte is missing
        FsException e = assertThrows(FsException.class, () -> serve(Wire.SETXATTR, request(cut)));
        assertEquals(FsError.INVALID, e.error());
        byte[] noNul = "user.k".getBytes(StandardCharsets.US_ASCII);
        assertEquals(FsError.INVALID, assertThrows(FsException.class, () -> serve(Wire.REMOVEXATTR, request(noNul))).error());
        assertEquals(java.util.List.of(), gw.listxattr("/f"));
    }
}
