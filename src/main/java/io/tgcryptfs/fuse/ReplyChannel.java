package io.tgcryptfs.fuse;

import jnr.ffi.LastError;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.annotations.SaveError;

/**
 * One worker's libfuse channel on the mount's device. Each request passes through here on its way to
 * libfuse, with its node ids rewritten to libfuse's ({@link NodeIdRewriter}), and libfuse writes every
 * reply through {@link #send}, which rewrites them back and lets {@link AttrValidity} adjust the reply
 * first. The reply to INIT may raise the largest request, ask for the writeback cache and take over
 * dropping set-id bits ({@link InitReply}, {@link SetIdRequest}, {@link KernelCtime}).
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

    private static final int ESTALE = 116;

    private final LibC libc;
    private final Runtime runtime;
    private final int fd;
    private final AttrValidity validity;
    private final NodeIdRewriter nodes;
    private final Pointer answer;
    /** Held so the closure outlives every call libfuse makes through it. */
    private final Send send = this::send;
    private final Pointer channel;
    private final InitReply initReply;
    private int opcode;
    private int initFlags;

    ReplyChannel(FuseLoop.LibFuseSession lib, LibC libc, int fd, long bufferSize, AttrValidity validity,
                 InitReply initReply, NodeIds nodeIds, HandleNodes handleNodes) {
        this.libc = libc;
        this.initReply = initReply;
        this.runtime = Runtime.getRuntime(lib);
        this.fd = fd;
        this.validity = validity;
        this.nodes = new NodeIdRewriter(nodeIds, handleNodes, runtime);
        this.answer = Memory.allocateDirect(runtime, Wire.OUT_HEADER);
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

    /** Serves the request of {@code length} bytes at {@code request}: through {@code libfuse}, or answers it here. */
    void serve(Pointer request, int length, NodeIdRewriter.Libfuse libfuse) {
        if (length < Wire.IN_HEADER) {
            opcode = 0;
            libfuse.process(request, length);
            return;
        }
        opcode = request.getInt(Wire.IN_OPCODE);
        initFlags = opcode == Wire.INIT ? initReply.flagsToAdd(request, length) : 0;
        SetIdRequest.note(request, length, opcode);
        KernelCtime.note(request, length, opcode);
        switch (nodes.inbound(request, length, libfuse)) {
            case PROCESS -> libfuse.process(request, length);
            case STALE -> answer(NodeIdRewriter.unique(request), ESTALE);
            case FORGOTTEN -> {
            }
        }
    }

    private int send(Pointer ignored, Pointer iov, long count) {
        if (iov == null) {
            return 0;
        }
        int error = iov.getPointer(0).getInt(Wire.OUT_ERROR);
        Pointer payload = count >= 2 ? iov.getPointer(Wire.IOVEC) : null;
        long payloadLength = count >= 2 ? iov.getLong(Wire.IOVEC + runtime.addressSize()) : 0;
        nodes.outbound(error, payload, payloadLength);
        if (error == 0 && payload != null) {
            validity.extend(opcode, payload, payloadLength);
            if (initFlags != 0) {
                initReply.patch(runtime, iov, initFlags);
            }
        }
        if (libc.writev(fd, iov, (int) count) < 0) {
            nodes.notSent();
            // ENOENT: the request was interrupted and the kernel forgot it; libfuse handles the error
            return -LastError.getLastError(runtime);
        }
        return 0;
    }

    /** Answers a request libfuse never sees with {@code errno}. */
    private void answer(long unique, int errno) {
        answer.putInt(0, Wire.OUT_HEADER);
        answer.putInt(4, -errno);
        answer.putLong(8, unique);
        // a failure means the kernel no longer waits for this answer: nothing left to tell it
        libc.write(fd, answer, Wire.OUT_HEADER);
    }

    void close(FuseLoop.LibFuseSession lib) {
        lib.fuse_chan_destroy(channel);
    }
}
