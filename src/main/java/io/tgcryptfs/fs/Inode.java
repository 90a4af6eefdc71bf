package io.tgcryptfs.fs;

/**
 * The stored attributes of one inode. {@code mode} holds only the permission bits (07777); the type
 * lives in {@code kind}. {@code symlinkTarget} is set for symlinks only.
 */
public record Inode(
        long ino,
        FileKind kind,
        int mode,
        int uid,
        int gid,
        int nlink,
        long size,
        long rdev,
        Timestamp atime,
        Timestamp mtime,
        Timestamp ctime,
        String symlinkTarget) {

    public static final int PERMISSION_MASK = 07777;
    public static final int SET_UID = 04000;
    public static final int SET_GID = 02000;
    public static final int GROUP_EXEC = 00010;
    /**
     * The largest file, 4 EiB. The kernel lets FUSE files grow to 2^63 - 1 bytes, but the end of the
     * band or block holding such a byte does not fit in a long: a write there looped until the heap ran
     * out. Half of that leaves room for every rounding up to a block or band.
     */
    public static final long MAX_SIZE = 1L << 62;

    /** Refuses a file that would end past {@link #MAX_SIZE} (EFBIG, as ext4 past its 16 TiB). */
    public static void checkSize(long end) {
        if (end < 0 || end > MAX_SIZE) {
            throw new FsException(FsError.FILE_TOO_LARGE, "a file ending at " + Long.toUnsignedString(end)
                    + " is past the largest size, " + MAX_SIZE + " bytes");
        }
    }

    public boolean isDirectory() {
        return kind == FileKind.DIRECTORY;
    }

    public boolean isRegular() {
        return kind == FileKind.REGULAR;
    }

    public Inode withMode(int newMode, Timestamp now) {
        return new Inode(ino, kind, newMode & PERMISSION_MASK, uid, gid, nlink, size, rdev, atime, mtime, now, symlinkTarget);
    }

    public Inode withOwner(int newUid, int newGid, Timestamp now) {
        return new Inode(ino, kind, mode, newUid, newGid, nlink, size, rdev, atime, mtime, now, symlinkTarget);
    }

    public Inode withNlink(int newNlink, Timestamp now) {
        return new Inode(ino, kind, mode, uid, gid, newNlink, size, rdev, atime, mtime, now, symlinkTarget);
    }

    public Inode withSize(long newSize, Timestamp now) {
        return new Inode(ino, kind, mode, uid, gid, nlink, newSize, rdev, atime, now, now, symlinkTarget);
    }

    /** The size alone: where the kernel keeps the times and sends them on. */
    public Inode withSizeOnly(long newSize) {
        return new Inode(ino, kind, mode, uid, gid, nlink, newSize, rdev, atime, mtime, ctime, symlinkTarget);
    }

    public Inode withTimes(Timestamp newAtime, Timestamp newMtime, Timestamp newCtime) {
        return new Inode(ino, kind, mode, uid, gid, nlink, size, rdev, newAtime, newMtime, newCtime, symlinkTarget);
    }

    public Inode withChanged(Timestamp now) {
        return new Inode(ino, kind, mode, uid, gid, nlink, size, rdev, atime, mtime, now, symlinkTarget);
    }

    public Inode withModified(Timestamp now) {
        return new Inode(ino, kind, mode, uid, gid, nlink, size, rdev, atime, now, now, symlinkTarget);
    }
}
