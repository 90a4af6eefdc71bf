package io.tgcryptfs.fs;

/** The POSIX file types the filesystem stores; {@code typeBits} are the S_IFMT bits of st_mode. */
public enum FileKind {
    REGULAR(0100000),
    DIRECTORY(0040000),
    SYMLINK(0120000),
    FIFO(0010000),
    SOCKET(0140000),
    CHAR_DEVICE(0020000),
    BLOCK_DEVICE(0060000);

    public static final int TYPE_MASK = 0170000;

    private final int typeBits;

    FileKind(int typeBits) {
        this.typeBits = typeBits;
    }

    public int typeBits() {
        return typeBits;
    }

    public static FileKind fromMode(long mode) {
        int bits = (int) (mode & TYPE_MASK);
        if (bits == 0) {
            return REGULAR; // mknod(2): a zero file type means a regular file
        }
        for (FileKind kind : values()) {
            if (kind.typeBits == bits) {
                return kind;
            }
        }
        throw new FsException(FsError.INVALID, "unsupported file type bits " + Integer.toOctalString(bits));
    }
}
