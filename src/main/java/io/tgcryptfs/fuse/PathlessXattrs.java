package io.tgcryptfs.fuse;

import io.tgcryptfs.fs.FileNames;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.gateway.InodeGateway;
import jnr.ffi.Pointer;


/**
 * The xattr requests of an open file libfuse 2 has no path for, served by inode number: the same gap as
 * {@link PathlessAttributes} (an fgetxattr or fsetxattr of an open, unlinked file whose directory was
 * removed or replaced), read straight from the request and answered as libfuse answers them.
 */
final class PathlessXattrs {
    /** XATTR_SIZE_MAX: the largest value or name list the kernel asks for. */
    static final int LARGEST_REPLY = 65536;

    /** fuse_getxattr_in and fuse_setxattr_in: the size, then padding or flags; the name follows. */
    private static final int XATTR_IN = 8;
    /** fuse_getxattr_out: the size a caller asking with size 0 needs, then padding. */
    private static final int XATTR_OUT = 8;

    private final InodeGateway gateway;

    PathlessXattrs(InodeGateway gateway) {
        this.gateway = gateway;
    }

    static boolean handles(int opcode) {
        return opcode == Wire.GETXATTR || opcode == Wire.LISTXATTR || opcode == Wire.SETXATTR || opcode == Wire.REMOVEXATTR;
    }

    /**
     * Serves the request of {@code length} bytes at {@code request} for inode {@code ino}, which is open,
     * and writes the reply body to {@code out}.
     *
     * @return the reply body's length
     */
    int serve(int opcode, long ino, Pointer request, int length, Pointer out) {
        Body body = new Body(request, length);
        return switch (opcode) {
            case Wire.GETXATTR -> reply(gateway.getxattr(ino, body.name(XATTR_IN)), body.int32(0), out);
            case Wire.LISTXATTR -> reply(XattrWire.joinNames(gateway.listxattr(ino)), body.int32(0), out);
            case Wire.SETXATTR -> {
                int size = body.int32(0);
                int flags = body.int32(4);
                int nameEnd = body.nameEnd(XATTR_IN);
                byte[] value = body.bytes(nameEnd + 1, size);
                gateway.setxattr(ino, body.name(XATTR_IN), value, XattrWire.mode(flags));
                yield 0;
            }
            case Wire.REMOVEXATTR -> {
                gateway.removexattr(ino, body.name(0));
                yield 0;
            }
            default -> throw new IllegalArgumentException("not an xattr request: opcode " + opcode);
        };
    }

    /** A value or a name list: its size to a caller asking with size 0, the bytes if they fit, else ERANGE. */
    private static int reply(byte[] bytes, int size, Pointer out) {
        if (size == 0) {
            out.putInt(0, bytes.length);
            out.putInt(4, 0);
            return XATTR_OUT;
        }
        if (size < bytes.length || bytes.length > LARGEST_REPLY) {
            throw new FsException(FsError.BUFFER_TOO_SMALL, "xattr buffer too small");
        }
        out.put(0, bytes, 0, bytes.length);
        return bytes.length;
    }

    /** The request after its header, read with bounds checked: the kernel's lengths are not trusted blindly. */
    private record Body(Pointer request, int length) {
        int int32(int at) {
            check(at, 4);
            return request.getInt(Wire.IN_HEADER + at);
        }

        /** The NUL-terminated name at {@code at}. */
        String name(int at) {
            return FileNames.decode(bytes(at, nameEnd(at) - at));
        }

        /** Where the name at {@code at} ends: its NUL. */
        int nameEnd(int at) {
            int end = at;
            while (true) {
                check(end, 1);
                if (request.getByte(Wire.IN_HEADER + end) == 0) {
                    return end;
                }
                end++;
            }
        }

        byte[] bytes(int at, int count) {
            check(at, count);
            byte[] out = new byte[count];
            request.get(Wire.IN_HEADER + at, out, 0, count);
            return out;
        }

        private void check(int at, int count) {
            if (at < 0 || count < 0 || Wire.IN_HEADER + (long) at + count > length) {
                throw new FsException(FsError.INVALID, "an xattr request of " + length + " bytes is too short");
            }
        }
    }
}
