package io.tgcryptfs.fuse;

import jnr.ffi.Pointer;

/**
 * How long the kernel may keep the attributes a reply carries. libfuse 2 can set one timeout for all
 * replies, and it was 0 while each name of a hard-linked file was its own kernel inode (attributes cached
 * under one name went stale when the file changed through another): every path walk re-read each
 * directory's attributes for its permission check and every {@code stat} asked twice. Now that each file
 * is one kernel inode ({@link NodeIds}), every reply that carries attributes may be kept for the
 * configured time: the kernel updates the one inode on every change it makes, through any name.
 */
final class AttrValidity {
    /** fuse_entry_out: attr_valid at 24, attr_valid_nsec at 36, the fuse_attr at 40. */
    private static final int ENTRY_VALID_SECONDS = 24;
    private static final int ENTRY_VALID_NANOS = 36;
    private static final int ENTRY_ATTR = 40;
    /** fuse_attr_out: attr_valid at 0, attr_valid_nsec at 8, the fuse_attr at 16. */
    private static final int ATTR_VALID_SECONDS = 0;
    private static final int ATTR_VALID_NANOS = 8;
    private static final int ATTR_ATTR = 16;
    /** The end of fuse_attr within its reply. */
    private static final int ATTR_SIZE = 88;

    private final long seconds;
    private final int nanos;

    AttrValidity(double seconds) {
        if (seconds < 0 || Double.isNaN(seconds)) {
            throw new IllegalArgumentException("attribute validity must be >= 0, got " + seconds);
        }
        long totalNanos = Math.round(seconds * 1e9);
        this.seconds = totalNanos / 1_000_000_000L;
        this.nanos = (int) (totalNanos % 1_000_000_000L);
    }

    boolean enabled() {
        return seconds > 0 || nanos > 0;
    }

    /**
     * Raises the validity in a successful reply to {@code opcode} whose payload ({@code length} bytes at
     * {@code reply}) carries attributes.
     *
     * @return whether the reply was changed
     */
    boolean extend(int opcode, Pointer reply, long length) {
        int attrAt;
        int secondsAt;
        int nanosAt;
        switch (opcode) {
            case Wire.LOOKUP, Wire.SYMLINK, Wire.MKNOD, Wire.MKDIR, Wire.LINK, Wire.CREATE -> {
                attrAt = ENTRY_ATTR;
                secondsAt = ENTRY_VALID_SECONDS;
                nanosAt = ENTRY_VALID_NANOS;
            }
            case Wire.GETATTR, Wire.SETATTR -> {
                attrAt = ATTR_ATTR;
                secondsAt = ATTR_VALID_SECONDS;
                nanosAt = ATTR_VALID_NANOS;
            }
            default -> {
                return false;
            }
        }
        if (!enabled() || length < attrAt + ATTR_SIZE) {
            return false;
        }
        reply.putLong(secondsAt, seconds);
        reply.putInt(nanosAt, nanos);
        return true;
    }
}
