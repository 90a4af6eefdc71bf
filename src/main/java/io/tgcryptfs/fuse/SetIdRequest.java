package io.tgcryptfs.fuse;

import jnr.ffi.Pointer;

/**
 * What the request a worker is processing asks of set-user-ID and set-group-ID bits. Under
 * {@code FUSE_HANDLE_KILLPRIV_V2} ({@link InitReply}) the kernel no longer drops them itself before a
 * write (which cost every write a GETXATTR round trip of its own) and says in the request when we must:
 * a WRITE's {@code write_flags}, a SETATTR's {@code valid}. libfuse 2's callbacks do not pass those on,
 * so the worker notes them here before libfuse calls back on the same thread.
 */
final class SetIdRequest {
    enum Drop { NONE, FOR_DATA, FOR_OWNERSHIP }

    /** fuse_write_in.write_flags: the writer lacks CAP_FSETID. */
    private static final int WRITE_KILL_SUIDGID = 1 << 2;
    private static final int WRITE_FLAGS = 20;
    private static final int FATTR_SIZE = 1 << 3;
    private static final int FATTR_KILL_SUIDGID = 1 << 11;
    /**
     * SETATTR bits that change nothing themselves (FH, LOCKOWNER, CTIME, KILL_SUIDGID). A SETATTR of only
     * these is a chown naming neither id: the kernel no longer sends the mode change that drops the bits.
     */
    private static final int CHANGES_NOTHING = (1 << 6) | (1 << 9) | (1 << 10) | FATTR_KILL_SUIDGID;

    private static final ThreadLocal<Drop[]> CURRENT = ThreadLocal.withInitial(() -> new Drop[] {Drop.NONE});

    private SetIdRequest() {
    }

    /** Notes the request about to be processed on this thread ({@code request} holds its bytes). */
    static void note(Pointer request, int length, int opcode) {
        Drop drop = Drop.NONE;
        if (opcode == Wire.WRITE && length >= Wire.IN_HEADER + WRITE_FLAGS + 4) {
            drop = (request.getInt(Wire.IN_HEADER + WRITE_FLAGS) & WRITE_KILL_SUIDGID) != 0 ? Drop.FOR_DATA : Drop.NONE;
        } else if (opcode == Wire.SETATTR && length >= Wire.IN_HEADER + 4) {
            int valid = request.getInt(Wire.IN_HEADER);
            if ((valid & FATTR_SIZE) != 0 && (valid & FATTR_KILL_SUIDGID) != 0) {
                drop = Drop.FOR_DATA;
            } else if ((valid & ~CHANGES_NOTHING) == 0) {
                drop = Drop.FOR_OWNERSHIP;
            }
        }
        CURRENT.get()[0] = drop;
    }

    /** What the current request asks, once: a later callback of the same request sees NONE. */
    static Drop take() {
        Drop[] current = CURRENT.get();
        Drop drop = current[0];
        current[0] = Drop.NONE;
        return drop;
    }
}
