package io.tgcryptfs.fuse;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;

import java.nio.file.Path;

/**
 * A FUSE mount whose file system process died (a kill -9, a crash, the OOM killer): the kernel keeps it
 * and answers ENOTCONN for it until it is unmounted, which is exactly when a user starts the mount again.
 */
public final class DeadMount {
    /** The libc call that tells: access(2) on a dead FUSE mount fails with ENOTCONN. */
    public interface LibC {
        @SaveError
        int access(String path, int mode);
    }

    private static final int ENOTCONN = 107;

    private DeadMount() {
    }

    /** Whether {@code mountPoint} is a mount whose file system no longer answers. */
    public static boolean isDead(Path mountPoint) {
        LibC libc = LibraryLoader.create(LibC.class).failImmediately().load("c");
        if (libc.access(mountPoint.toString(), 0) == 0) {
            return false;
        }
        return LastError.getLastError(Runtime.getRuntime(libc)) == ENOTCONN;
    }
}
