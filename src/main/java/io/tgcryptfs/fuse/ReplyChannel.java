package io.tgcryptfs.fuse;

import jnr.ffi.LastError;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.annotations.SaveError;

/**
 * One worker's libfuse channel on the mount's device: libfuse writes every reply of the request the
 * worker is processing through {@link #send}, which lets {@link AttrValidity} adjust it first. A
 * successful {@code link} first invalidates the attributes the kernel holds for the existing name, whose
 * link count the reply to the new name does not update (the two names are two kernel inodes here).
 * The reply to INIT may raise the largest request and take over dropping set-id bits ({@link InitReply},
 * {@link SetIdRequest}).
 * Used by one thread at a time: the worker that calls libfuse, which calls back on the same thread.
 */
final class ReplyChannel {
    /** The libc calls the channel makes itself. */
    public interface LibC {
        @SaveError
        long writev(int fd, Pointer iov, int count);

        @SaveError
        long write(int fd, Pointer buffer, long length);
    }

    /** libfuse's {@code send} channel operation. */
    public interface Send {
        @Delegate
        int send(Pointer channel, Pointer iov, long count);
    }

    private static final int IN_HEADER = 40;
    private static final int OUT_HEADER = 16;
    private static final int IOVEC = 16;
    private static final int ENOENT = 2;
    private static final int NOTIFY_INVAL_INODE = 2;
    private static final int NOTIFY_INVAL_INODE_SIZE = OUT_HEADER + 24;

    private final LibC libc;
    private final Runtime runtime;
    private final int fd;
    private final AttrValidity validity;
    private final Pointer notice;
    /** Held so the closure outlives every call libfuse makes through it. */
    private final Send send = this::send;
    private final Pointer channel;
    private final InitReply initReply;
    private int opcode;
    private long linkedInode;
    private int initFlags;

    ReplyChannel(FuseLoop.LibFuseSession lib, LibC libc, int fd, long bufferSize, AttrValidity validity,
                 InitReply initReply) {
        this.libc = libc;
        this.initReply = initReply;
        this.runtime = Runtime.getRuntime(lib);
        this.fd = fd;
        this.validity = validity;
        this.notice = Memory.allocateDirect(runtime, NOTIFY_INVAL_INODE_SIZE);
        // struct fuse_chan_ops { receive, send, destroy }: libfuse copies it; only send is ever called
        Pointer ops = Memory.allocateDirect(runtime, 3L * runtime.addressSize());
        ops.putPointer(runtime.addressSize(), runtime.getClosureManager().getClosurePointer(Send.class, send));
        this.channel = lib.fuse_chan_new(ops, fd, bufferSize, null);
        if (channel == null) {
            throw new IllegalStateException("libfuse could not create a reply channel");
        }
    }

    Pointer pointer() {
        return channel;
    }

    /** Takes note of the request about to be processed ({@code request} holds its bytes). */
    void receiving(Pointer request, int length) {
        opcode = length >= IN_HEADER ? request.getInt(4) : 0;
        linkedInode = opcode == AttrValidity.LINK && length >= IN_HEADER + 8 ? request.getLong(IN_HEADER) : 0;
        initFlags = opcode == InitReply.OPCODE ? initReply.flagsToAdd(request, length) : 0;
        SetIdRequest.note(request, length, opcode);
    }

    private int send(Pointer ignored, Pointer iov, long count) {
        if (iov == null) {
            return 0;
        }
        if (count >= 2 && iov.getPointer(0).getInt(4) == 0) {
            if (linkedInode != 0) {
                invalidateAttributes(linkedInode);
            }
            validity.extend(opcode, iov.getPointer(IOVEC), iov.getLong(IOVEC + runtime.addressSize()));
            if (initFlags != 0) {
                initReply.patch(runtime, iov, initFlags);
            }
        }
        if (libc.writev(fd, iov, (int) count) < 0) {
            // ENOENT: the request was interrupted and the kernel forgot it; libfuse handles the error
            return -LastError.getLastError(runtime);
        }
        return 0;
    }

    /** FUSE_NOTIFY_INVAL_INODE for the attributes only (offset -1): no page cache, no inode lock. */
    private void invalidateAttributes(long inode) {
        notice.putInt(0, NOTIFY_INVAL_INODE_SIZE);
        notice.putInt(4, NOTIFY_INVAL_INODE);
        notice.putLong(8, 0);
        notice.putLong(OUT_HEADER, inode);
        notice.putLong(OUT_HEADER + 8, -1);
        notice.putLong(OUT_HEADER + 16, 0);
        // ENOENT: the kernel holds no such inode, so nothing of it can go stale
        if (libc.write(fd, notice, NOTIFY_INVAL_INODE_SIZE) < 0 && LastError.getLastError(runtime) != ENOENT) {
            validity.disable("the kernel refused an attribute invalidation (errno "
                    + LastError.getLastError(runtime) + ")");
        }
    }

    void close(FuseLoop.LibFuseSession lib) {
        lib.fuse_chan_destroy(channel);
    }
}
