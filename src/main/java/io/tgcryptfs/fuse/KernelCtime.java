package io.tgcryptfs.fuse;

import io.tgcryptfs.engine.TimeChange;
import io.tgcryptfs.fs.Timestamp;
import jnr.ffi.Pointer;

/**
 * The ctime a SETATTR carries. Under the writeback cache the kernel keeps a regular file's times itself
 * and, from protocol 7.23 ({@link InitReply}), sends the ctime it set along with the change (a chmod, a
 * truncate, the times after writes). libfuse 2 drops that field, so the worker notes it here before
 * libfuse calls back on the same thread, and the file keeps the ctime the kernel showed, also after a
 * remount.
 */
final class KernelCtime {
    /** fuse_setattr_in: valid at 0, ctime at 48, ctimensec at 64. */
    private static final int FATTR_CTIME = 1 << 10;
    private static final int CTIME = 48;
    private static final int CTIME_NANOS = 64;

    private static final ThreadLocal<Timestamp[]> CURRENT = ThreadLocal.withInitial(() -> new Timestamp[1]);

    private KernelCtime() {
    }

    /** Notes the request about to be processed on this thread ({@code request} holds its bytes). */
    static void note(Pointer request, int length, int opcode) {
        Timestamp ctime = null;
        if (opcode == Wire.SETATTR && length >= Wire.IN_HEADER + CTIME_NANOS + 4
                && (request.getInt(Wire.IN_HEADER) & FATTR_CTIME) != 0) {
            int nanos = request.getInt(Wire.IN_HEADER + CTIME_NANOS);
            if (nanos >= 0 && nanos < 1_000_000_000) {
                ctime = new Timestamp(request.getLong(Wire.IN_HEADER + CTIME), nanos);
            }
        }
        CURRENT.get()[0] = ctime;
    }

    /**
     * The ctime the current request sets, for each change libfuse makes of it (a chmod, a chown, the
     * times), {@link TimeChange.Now} when it sets none: the changes then agree with the kernel on it.
     */
    static TimeChange current() {
        Timestamp ctime = CURRENT.get()[0];
        return ctime == null ? TimeChange.Now.INSTANCE : new TimeChange.At(ctime);
    }

    /**
     * The ctime the current request sets, once (the getattr libfuse replies with stores it when the
     * request changed nothing else, a truncate say); null when it sets none or it was taken.
     */
    static Timestamp take() {
        Timestamp[] current = CURRENT.get();
        Timestamp ctime = current[0];
        current[0] = null;
        return ctime;
    }
}
