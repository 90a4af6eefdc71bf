package io.tgcryptfs.fuse;

import io.tgcryptfs.fs.FsError;
import ru.serce.jnrfuse.ErrorCodes;

/** The one map from meanings to errno. No default branch: a new FsError does not compile until mapped. */
final class Errnos {
    private Errnos() {
    }

    static int of(FsError error) {
        return -switch (error) {
            case NOT_FOUND -> ErrorCodes.ENOENT();
            case EXISTS -> ErrorCodes.EEXIST();
            case NOT_DIRECTORY -> ErrorCodes.ENOTDIR();
            case IS_DIRECTORY -> ErrorCodes.EISDIR();
            case NOT_EMPTY -> ErrorCodes.ENOTEMPTY();
            case NAME_TOO_LONG -> ErrorCodes.ENAMETOOLONG();
            case NO_SPACE -> ErrorCodes.ENOSPC();
            case NO_ATTRIBUTE -> ErrorCodes.ENODATA();
            case BUFFER_TOO_SMALL -> ErrorCodes.ERANGE();
            case INVALID -> ErrorCodes.EINVAL();
            case NOT_PERMITTED -> ErrorCodes.EPERM();
            case IO, INTEGRITY, TIMED_OUT -> ErrorCodes.EIO();
            case BAD_HANDLE -> ErrorCodes.EBADF();
            case TOO_BIG -> ErrorCodes.E2BIG();
            case FILE_TOO_LARGE -> ErrorCodes.EFBIG();
            case NOT_SUPPORTED -> ErrorCodes.EOPNOTSUPP();
            case LOOP -> ErrorCodes.ELOOP();
            case PAST_THE_END -> ErrorCodes.ENXIO();
        };
    }

    /** Errors that are part of normal operation and not worth a log line. */
    static boolean expected(FsError error) {
        return switch (error) {
            case IO, INTEGRITY, TIMED_OUT, NO_SPACE, BAD_HANDLE -> false;
            default -> true;
        };
    }
}
