package io.tgcryptfs.fuse;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Extends libfuse 2's answer to the kernel's INIT with features of later protocols, each only when the
 * kernel offers it:
 * <ul>
 *   <li>{@code FUSE_MAX_PAGES} (7.28): libfuse 2 caps requests at 128 KiB, so a 1 MiB {@code write(2)}
 *       reached us as eight requests, each a round trip the writer waits for. The workers' buffers must
 *       hold a request of the new size (see {@link FuseLoop}).</li>
 *   <li>{@code FUSE_HANDLE_KILLPRIV_V2} (7.33): without it the kernel asks for {@code security.capability}
 *       (a GETXATTR round trip) before every write, to learn whether the write must drop privileges;
 *       with it, it leaves dropping set-id bits to us and flags the requests that must
 *       ({@link SetIdRequest}). Measured here: fio 4 KiB random writes 7,444-7,519 -> 9,893-10,242 IOPS.</li>
 *   <li>{@code FUSE_WRITEBACK_CACHE} (7.23), when wanted: the kernel keeps written pages in its page cache
 *       and sends them later (at fsync, close, or when it writes back on its own), several requests at
 *       once, of up to the largest request size; it keeps the size and times of open files itself and
 *       sends the times with a SETATTR. A writer no longer waits for a round trip per {@code write(2)}:
 *       fio 4 KiB random writes with an fsync every 32 went from 11,805-12,244 to 18,520-19,418 IOPS.
 *       The kernel then trusts its own size and times of a regular file, which is right only because
 *       each file is one kernel inode whatever its names ({@link NodeIds}). The reply names protocol
 *       7.23 so that those SETATTRs carry the kernel's ctime too ({@link KernelCtime}); nothing else
 *       libfuse 2 parses changed between 7.19 and 7.23 (RENAME2 is new, and libfuse answers ENOSYS,
 *       which the kernel turns into EINVAL as it does for 7.19). Times are asked for to the nanosecond.</li>
 *   <li>{@code FUSE_POSIX_ACL} with {@code FUSE_DONT_MASK} (7.26 and 7.12), when wanted: the kernel checks
 *       POSIX ACLs itself and leaves the rest to us ({@code engine.PosixAcls}): the umask among it, since
 *       a directory's default ACL replaces it.</li>
 * </ul>
 * The kernel reads these flags (and {@code max_pages}) whenever they are set in the reply, whatever
 * minor version the reply names, so the reply keeps libfuse's version unless the writeback cache is
 * granted, and is extended to the 64-byte layout that holds the fields.
 */
final class InitReply {
    /** fuse_kernel.h: FUSE_MAX_PAGES, in fuse_init_in.flags and fuse_init_out.flags. */
    static final int MAX_PAGES_FLAG = 1 << 22;
    /** fuse_kernel.h: FUSE_HANDLE_KILLPRIV_V2. */
    static final int KILLPRIV_V2_FLAG = 1 << 28;
    /** fuse_kernel.h: FUSE_WRITEBACK_CACHE. */
    static final int WRITEBACK_CACHE_FLAG = 1 << 16;
    /** fuse_kernel.h: FUSE_POSIX_ACL and FUSE_DONT_MASK, granted together or not at all. */
    static final int POSIX_ACL_FLAGS = 1 << 20 | 1 << 6;
    static final int PAGE = 4096;
    /** sizeof(struct fuse_init_out) since 7.23. */
    private static final int OUT_SIZE = 64;
    private static final int MINOR = 4;
    private static final int FLAGS = 12;
    private static final int MAX_WRITE = 20;
    private static final int TIME_GRAN = 24;
    /** The protocol whose SETATTR carries ctime (fuse_kernel.h 7.23). */
    static final int CTIME_MINOR = 23;
    private static final int MAX_PAGES = 28;

    /**
     * What the mount asks for.
     *
     * @param maxRequestBytes the largest request wanted, a multiple of 4 KiB; 128 KiB or less asks for no
     *                        larger ones
     * @param writebackCache whether to ask for the kernel's writeback cache
     * @param writebackCacheGranted runs when a reply grants it (the kernel then keeps file times, see
     *                              {@code gateway.WriteTimes})
     * @param posixAcls whether to ask the kernel to enforce POSIX ACLs
     * @param posixAclsGranted runs when a reply grants it
     */
    record Wanted(int maxRequestBytes, boolean writebackCache, Runnable writebackCacheGranted, boolean posixAcls,
                  Runnable posixAclsGranted) {
        Wanted(int maxRequestBytes, boolean writebackCache) {
            this(maxRequestBytes, writebackCache, () -> { }, false, () -> { });
        }

        Wanted(int maxRequestBytes, boolean writebackCache, Runnable writebackCacheGranted) {
            this(maxRequestBytes, writebackCache, writebackCacheGranted, false, () -> { });
        }
    }

    private final int maxBytes;
    private final boolean writebackCache;
    private final Runnable writebackCacheGranted;
    private final boolean posixAcls;
    private final Runnable posixAclsGranted;
    private final Pointer patched;

    InitReply(Runtime runtime, Wanted wanted) {
        this.maxBytes = wanted.maxRequestBytes();
        this.writebackCache = wanted.writebackCache();
        this.writebackCacheGranted = wanted.writebackCacheGranted();
        this.posixAcls = wanted.posixAcls();
        this.posixAclsGranted = wanted.posixAclsGranted();
        this.patched = Memory.allocateDirect(runtime, OUT_SIZE);
    }

    /** The flags this mount adds to the reply to {@code request} (an INIT): those the kernel offers; 0 for none. */
    int flagsToAdd(Pointer request, int length) {
        if (length < Wire.IN_HEADER + 16) {
            return 0;
        }
        int offered = request.getInt(Wire.IN_HEADER + FLAGS);
        int wanted = KILLPRIV_V2_FLAG | (maxBytes > 128 * 1024 ? MAX_PAGES_FLAG : 0)
                | (writebackCache ? WRITEBACK_CACHE_FLAG : 0)
                | (posixAcls && (offered & POSIX_ACL_FLAGS) == POSIX_ACL_FLAGS ? POSIX_ACL_FLAGS : 0);
        return offered & wanted;
    }

    /**
     * Rewrites a successful INIT reply in place of libfuse's: {@code iov} is the reply's iovec array
     * (header, then the fuse_init_out libfuse filled in).
     */
    void patch(Runtime runtime, Pointer iov, int flags) {
        Pointer header = iov.getPointer(0);
        Pointer out = iov.getPointer(Wire.IOVEC);
        long length = iov.getLong(Wire.IOVEC + runtime.addressSize());
        patched.setMemory(0, OUT_SIZE, (byte) 0);
        byte[] given = new byte[(int) Math.min(length, OUT_SIZE)];
        out.get(0, given, 0, given.length);
        patched.put(0, given, 0, given.length);
        patched.putInt(FLAGS, patched.getInt(FLAGS) | flags);
        if ((flags & MAX_PAGES_FLAG) != 0) {
            patched.putInt(MAX_WRITE, maxBytes);
            patched.putShort(MAX_PAGES, (short) (maxBytes / PAGE));
        }
        if ((flags & WRITEBACK_CACHE_FLAG) != 0) {
            patched.putInt(MINOR, Math.max(patched.getInt(MINOR), CTIME_MINOR));
            patched.putInt(TIME_GRAN, 1);
            writebackCacheGranted.run();
        }
        if ((flags & POSIX_ACL_FLAGS) == POSIX_ACL_FLAGS) {
            posixAclsGranted.run();
        }
        iov.putPointer(Wire.IOVEC, patched);
        iov.putLong(Wire.IOVEC + runtime.addressSize(), OUT_SIZE);
        header.putInt(0, Wire.OUT_HEADER + OUT_SIZE);
    }
}
