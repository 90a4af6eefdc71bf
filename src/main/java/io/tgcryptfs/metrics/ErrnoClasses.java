package io.tgcryptfs.metrics;

import java.util.List;

/**
 * The fixed set of {@code errno} label values of {@code tgcryptfs_fuse_failures_total}: the errnos an
 * operator tells apart (missing names, clashes, absent xattrs, permissions, a full disk, I/O errors) and
 * {@code other}. A fixed set keeps the series count bounded and lets every series exist from the start.
 */
final class ErrnoClasses {
    static final String OTHER = "other";
    static final List<String> ALL = List.of("ENOENT", "EEXIST", "ENODATA", "EACCES", "EPERM", "ENOSPC", "EIO", OTHER);

    private ErrnoClasses() {
    }

    /** The class of an errno given by name ({@code "ENOENT"}). */
    static String of(String errno) {
        return ALL.contains(errno) ? errno : OTHER;
    }
}
