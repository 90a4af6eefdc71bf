package io.tgcryptfs.meta.lmdb;

import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import org.lmdbjava.Env;
import org.lmdbjava.LmdbException;
import org.lmdbjava.LmdbNativeException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/** The one place where native LMDB failures become filesystem meanings. */
final class LmdbErrors {
    /** errno ENOSPC on Linux: LMDB hands the OS error through as its result code. */
    private static final int ENOSPC = 28;
    /** errno EIO, which LMDB also returns for a short write ("filesystem full?" in its source). */
    private static final int EIO = 5;
    /** Free space below which an EIO from a commit is taken for the short write of a full disk. */
    static final long FULL_BELOW_BYTES = 1 << 20;

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

    /**
     * A failed commit of the environment in {@code directory}. A commit that fills the disk part
     * way through writing its pages gets a short write, which LMDB reports as EIO, not ENOSPC: with the
     * disk (next to) full, that is ENOSPC to the caller too, so a full disk always reads as one.
     */
    static FsException translate(LmdbException e, Path directory) {
        return translate(e, () -> usableBytes(directory));
    }

    /** @param usableBytes free space on the environment's disk, asked only for an EIO */
    static FsException translate(LmdbException e, LongSupplier usableBytes) {
        if (e instanceof LmdbNativeException n && n.getResultCode() == EIO && usableBytes.getAsLong() < FULL_BELOW_BYTES) {
            return new FsException(FsError.NO_SPACE, "no space left on the disk holding the metadata (a short write)", e);
        }
        return translate(e);
    }

    private static long usableBytes(Path directory) {
        try {
            return Files.getFileStore(directory).getUsableSpace();
        } catch (IOException ex) {
            return Long.MAX_VALUE; // not known: the EIO stays an EIO
        }
    }
}
