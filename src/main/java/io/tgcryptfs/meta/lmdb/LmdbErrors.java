package io.tgcryptfs.meta.lmdb;

import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import org.lmdbjava.Env;
import org.lmdbjava.LmdbException;
import org.lmdbjava.LmdbNativeException;

/** The one place where native LMDB failures become filesystem meanings. */
final class LmdbErrors {
    /** errno ENOSPC on Linux: LMDB hands the OS error through as its result code. */
    private static final int ENOSPC = 28;

    private LmdbErrors() {
    }

    static FsException translate(LmdbException e) {
        if (e instanceof Env.MapFullException) {
            return new FsException(FsError.NO_SPACE, "metadata map is full", e);
        }
        if (e instanceof LmdbNativeException n && n.getResultCode() == ENOSPC) {
            return new FsException(FsError.NO_SPACE, "no space left on the disk holding the metadata", e);
        }
        return new FsException(FsError.IO, "metadata store failed: " + e.getMessage(), e);
    }
}
