package io.tgcryptfs.fuse;

import io.tgcryptfs.fs.FileNames;
import jnr.ffi.Pointer;

/**
 * renameat2's flags. libfuse 2 has no rename2 and answers the kernel's RENAME2 with ENOSYS, which the
 * kernel turns into EINVAL for every later one, so {@code mv -n} and a Samba that renames without
 * replacing (4.19 on) could not. {@code RENAME_NOREPLACE} is served here: a RENAME2 whose target exists is
 * answered EEXIST by the worker; any other is rewritten in place into the plain RENAME libfuse knows,
 * and the flag noted for the gateway, whose rename refuses an existing target inside its transaction (a
 * target created meanwhile). Only a target created and opened in that moment escapes: libfuse moves an
 * open target to a hidden name before it renames. {@code RENAME_EXCHANGE} and {@code RENAME_WHITEOUT}
 * are answered EINVAL, as by any file system without them.
 */
final class RenameFlags {
    static final int NOREPLACE = 1;
    /** fuse_rename2_in: newdir, flags, padding; the two names follow. fuse_rename_in: newdir. */
    private static final int RENAME2_IN = 16;
    private static final int FLAGS = 8;
    private static final int RENAME_IN = 8;

    private static final ThreadLocal<boolean[]> NO_REPLACE = ThreadLocal.withInitial(() -> new boolean[1]);

    private RenameFlags() {
    }

    /** Whether the RENAME2 of {@code length} bytes at {@code request} is well formed and asks only not to replace. */
    static boolean onlyNoReplace(Pointer request, int length) {
        return length > Wire.IN_HEADER + RENAME2_IN && request.getInt(Wire.IN_HEADER + FLAGS) == NOREPLACE;
    }

    /** The new parent's kernel node id (its inode number) of a RENAME2. */
    static long newDirectory(Pointer request) {
        return request.getLong(Wire.IN_HEADER);
    }

    /** The new name of a RENAME2 of {@code length} bytes, or null when its names are not NUL-terminated. */
    static String newName(Pointer request, int length) {
        int old = Wire.IN_HEADER + RENAME2_IN;
        int oldEnd = end(request, old, length);
        int newEnd = oldEnd < 0 ? -1 : end(request, oldEnd + 1, length);
        if (newEnd < 0) {
            return null;
        }
        byte[] name = new byte[newEnd - oldEnd - 1];
        request.get(oldEnd + 1, name, 0, name.length);
        return FileNames.decode(name);
    }

    private static int end(Pointer request, int from, int length) {
        for (int i = from; i < length; i++) {
            if (request.getByte(i) == 0) {
                return i;
            }
        }
        return -1;
    }

    /** Rewrites the RENAME2 of {@code length} bytes at {@code request} into a RENAME in place; returns its new length. */
    static int toRename(Pointer request, int length) {
        int names = length - (Wire.IN_HEADER + RENAME2_IN);
        byte[] tail = new byte[names];
        request.get(Wire.IN_HEADER + RENAME2_IN, tail, 0, names);
        request.put(Wire.IN_HEADER + RENAME_IN, tail, 0, names);
        int shorter = length - (RENAME2_IN - RENAME_IN);
        request.putInt(0, shorter); // fuse_in_header.len
        request.putInt(Wire.IN_OPCODE, Wire.RENAME);
        return shorter;
    }

    /** Notes whether the request about to be processed on this thread asks not to replace. */
    static void note(boolean noReplace) {
        NO_REPLACE.get()[0] = noReplace;
    }

    /** Whether the current request asks not to replace its target. */
    static boolean noReplace() {
        return NO_REPLACE.get()[0];
    }
}
