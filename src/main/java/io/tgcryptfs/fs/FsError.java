package io.tgcryptfs.fs;

/**
 * What went wrong, as a meaning. The FUSE adapter is the only place that turns these into errno
 * numbers (one exhaustive switch), so adding a meaning is a compile error there until it is mapped.
 */
public enum FsError {
    NOT_FOUND,
    EXISTS,
    NOT_DIRECTORY,
    IS_DIRECTORY,
    NOT_EMPTY,
    NAME_TOO_LONG,
    NO_SPACE,
    NO_ATTRIBUTE,
    BUFFER_TOO_SMALL,
    INVALID,
    NOT_PERMITTED,
    IO,
    INTEGRITY,
    TIMED_OUT,
    BAD_HANDLE,
    TOO_BIG,
    FILE_TOO_LARGE,
    NOT_SUPPORTED,
    LOOP,
    /** No data (SEEK_DATA) or no hole (SEEK_HOLE) at or past the offset: it lies at or past the end. */
    PAST_THE_END
}
