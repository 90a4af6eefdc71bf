package io.tgcryptfs.fuse;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Raises the largest read and write request in libfuse 2's answer to the kernel's INIT. libfuse 2
 * predates {@code FUSE_MAX_PAGES} (protocol 7.28) and caps requests at 128 KiB, so a 1 MiB
 * {@code write(2)} reached us as eight requests, each a round trip the writer waits for. The kernel
 * reads {@code max_pages} whenever the flag is set in the reply, whatever minor version the reply
 * names, so the reply keeps libfuse's version and is only extended to the 64-byte layout that holds
 * the field. Applied only when the kernel offers the flag; the workers' buffers must hold a request
 * of the new size (see {@link FuseLoop}).
 */
final class InitReply {
    static final int OPCODE = 26;
    /** fuse_kernel.h: FUSE_MAX_PAGES, in fuse_init_in.flags and fuse_init_out.flags. */
    static final int MAX_PAGES_FLAG = 1 << 22;
    static final int PAGE = 4096;
    /** sizeof(struct fuse_init_out) since 7.23. */
    private static final int OUT_SIZE = 64;
    private static final int FLAGS = 12;
    private static final int MAX_WRITE = 20;
    private static final int MAX_PAGES = 28;
    private static final int IN_HEADER = 40;
    private static final int OUT_HEADER = 16;
    private static final int IOVEC = 16;

    private final int maxBytes;
    private final Pointer patched;

    /** @param maxBytes the largest request wanted, a multiple of 4 KiB; 128 KiB or less patches nothing */
    InitReply(Runtime runtime, int maxBytes) {
        this.maxBytes = maxBytes;
        this.patched = Memory.allocateDirect(runtime, OUT_SIZE);
    }

    /** Whether this mount will send requests larger than libfuse 2's (the kernel offers the flag). */
    boolean applies(Pointer request, int length) {
        return maxBytes > 128 * 1024 && length >= IN_HEADER + 16
                && (request.getInt(IN_HEADER + FLAGS) & MAX_PAGES_FLAG) != 0;
    }

    /**
     * Rewrites a successful INIT reply in place of libfuse's: {@code iov} is the reply's iovec array
     * (header, then the fuse_init_out libfuse filled in).
     */
    void patch(Runtime runtime, Pointer iov) {
        Pointer header = iov.getPointer(0);
        Pointer out = iov.getPointer(IOVEC);
        long length = iov.getLong(IOVEC + runtime.addressSize());
        patched.setMemory(0, OUT_SIZE, (byte) 0);
        byte[] given = new byte[(int) Math.min(length, OUT_SIZE)];
        out.get(0, given, 0, given.length);
        patched.put(0, given, 0, given.length);
        patched.putInt(FLAGS, patched.getInt(FLAGS) | MAX_PAGES_FLAG);
        patched.putInt(MAX_WRITE, maxBytes);
        patched.putShort(MAX_PAGES, (short) (maxBytes / PAGE));
        iov.putPointer(IOVEC, patched);
        iov.putLong(IOVEC + runtime.addressSize(), OUT_SIZE);
        header.putInt(0, OUT_HEADER + OUT_SIZE);
    }
}
