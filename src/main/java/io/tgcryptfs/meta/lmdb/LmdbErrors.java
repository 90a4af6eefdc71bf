package io.tgcryptfs.meta.lmdb;

import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import org.lmdbjava.Env;
import org.lmdbjava.LmdbException;

/** The one place where native LMDB failures become filesystem meanings. */
final class LmdbErrors {
    private LmdbErrors() {
    }

    static FsException translate(LmdbException e) {
        if (e instanceof Env.MapFullException) {
            return new FsException(FsError.NO_SPACE, "metadata map is full", e);
        }
        return new FsException(FsError.IO, "metadata store failed: " + e.getMessage(), e);
    }
}
