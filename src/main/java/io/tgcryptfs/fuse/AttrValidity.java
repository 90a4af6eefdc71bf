package io.tgcryptfs.fuse;

import jnr.ffi.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How long the kernel may keep the attributes a reply carries. libfuse 2's path-based API gives each
 * name of a hard-linked file its own kernel inode, so attributes cached under one name go stale when the
 * file changes through another, and libfuse can only set one timeout for all replies. With that timeout at
 * 0 every path walk re-reads each directory's attributes for its permission check and every {@code stat}
 * asks twice: four requests for one {@code stat} of {@code /d/f}. This class raises the validity, reply by
 * reply, where no other name can exist: directories (never hard-linked) and files with one link. A file
 * gains a second name only through {@code link}, and {@link ReplyChannel} then invalidates the first
 * name's attributes before the kernel sees the reply.
 */
final class AttrValidity {
    static final int LOOKUP = 1;
    static final int GETATTR = 3;
    static final int SETATTR = 4;
    static final int SYMLINK = 6;
    static final int MKNOD = 8;
    static final int MKDIR = 9;
    static final int LINK = 13;
    static final int CREATE = 35;

    /** fuse_entry_out: attr_valid at 24, attr_valid_nsec at 36, the fuse_attr at 40. */
    private static final int ENTRY_VALID_SECONDS = 24;
    private static final int ENTRY_VALID_NANOS = 36;
    private static final int ENTRY_ATTR = 40;
    /** fuse_attr_out: attr_valid at 0, attr_valid_nsec at 8, the fuse_attr at 16. */
    private static final int ATTR_VALID_SECONDS = 0;
    private static final int ATTR_VALID_NANOS = 8;
    private static final int ATTR_ATTR = 16;
    /** Within fuse_attr: mode and nlink, both u32. */
    private static final int MODE = 60;
    private static final int NLINK = 64;
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;

    private static final Logger log = LoggerFactory.getLogger(AttrValidity.class);

    private final long seconds;
    private final int nanos;
    private volatile boolean disabled;

    AttrValidity(double seconds) {
        if (seconds < 0 || Double.isNaN(seconds)) {
            throw new IllegalArgumentException("attribute validity must be >= 0, got " + seconds);
        }
        long totalNanos = Math.round(seconds * 1e9);
        this.seconds = totalNanos / 1_000_000_000L;
        this.nanos = (int) (totalNanos % 1_000_000_000L);
    }

    boolean enabled() {
        return (seconds > 0 || nanos > 0) && !disabled;
    }

    /** From now on no reply is changed: a hard link could no longer be kept consistent. */
    void disable(String why) {
        if (!disabled) {
            disabled = true;
            log.warn("attributes are no longer cached by the kernel: {}", why);
        }
    }

    /**
     * Raises the validity in a successful reply to {@code opcode} whose payload ({@code length} bytes at
     * {@code reply}) carries attributes of a directory or a single-link file.
     *
     * @return whether the reply was changed
     */
    boolean extend(int opcode, Pointer reply, long length) {
        int attrAt;
        int secondsAt;
        int nanosAt;
        switch (opcode) {
            case LOOKUP, SYMLINK, MKNOD, MKDIR, LINK, CREATE -> {
                attrAt = ENTRY_ATTR;
                secondsAt = ENTRY_VALID_SECONDS;
                nanosAt = ENTRY_VALID_NANOS;
            }
            case GETATTR, SETATTR -> {
                attrAt = ATTR_ATTR;
                secondsAt = ATTR_VALID_SECONDS;
                nanosAt = ATTR_VALID_NANOS;
            }
            default -> {
                return false;
            }
        }
        if (!enabled() || length < attrAt + NLINK + 4) {
            return false;
        }
        int mode = reply.getInt(attrAt + MODE);
        int nlink = reply.getInt(attrAt + NLINK);
        if ((mode & S_IFMT) != S_IFDIR && nlink != 1) {
            return false;
        }
        reply.putLong(secondsAt, seconds);
        reply.putInt(nanosAt, nanos);
        return true;
    }
}
