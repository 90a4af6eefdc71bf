package io.tgcryptfs.fuse;

import io.tgcryptfs.engine.XattrMode;
import io.tgcryptfs.fs.FileNames;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import jnr.ffi.Pointer;

import java.io.ByteArrayOutputStream;
import java.util.List;

/** How extended attributes cross FUSE: setxattr's flags, the name list, and a reply into the caller's buffer. */
final class XattrWire {
    private static final int XATTR_CREATE = 1;
    private static final int XATTR_REPLACE = 2;

    private XattrWire() {}

    /** setxattr(2)'s flags as what the set may do. */
    static XattrMode mode(int flags) {
        return (flags & XATTR_CREATE) != 0 ? XattrMode.CREATE_ONLY
                : (flags & XATTR_REPLACE) != 0 ? XattrMode.REPLACE_ONLY : XattrMode.UPSERT;
    }

    /** listxattr(2)'s list: each name NUL-terminated. */
    static byte[] joinNames(List<String> names) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String n : names) {
            byte[] b = FileNames.encode(n);
            out.write(b, 0, b.length);
            out.write(0);
        }
        return out.toByteArray();
    }

    /**
     * A value or name list answered as getxattr(2) and listxattr(2) do: its length to a caller asking
     * with size 0, the bytes when they fit in {@code size}, else ERANGE.
     */
    static int copyOut(byte[] bytes, Pointer buffer, long size) {
        if (size == 0) {
            return bytes.length;
        }
        if (size < bytes.length) {
            throw new FsException(FsError.BUFFER_TOO_SMALL, "xattr buffer too small");
        }
        buffer.put(0, bytes, 0, bytes.length);
        return bytes.length;
    }
}
