package io.tgcryptfs.fuse;

import io.tgcryptfs.fs.FsError;
import jnr.ffi.LastError;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.annotations.SaveError;

/**
 * One worker's libfuse channel on the mount's device. Each request passes through here on its way to
 * libfuse, with its node ids rewritten to libfuse's ({@link NodeIdRewriter}), but for those that need no
 * path, answered here by inode number ({@link ByInode}: GETATTR, LSEEK); libfuse writes every reply
 * through {@link #send}, which rewrites them back and lets {@link AttrValidity} adjust the reply
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

    /** What a worker asks by inode number, past libfuse ({@link ByInodeRequests}). */
    interface ByInode {
        /** The largest reply body {@link #serve} writes. */
        int LARGEST_REPLY = Math.max(PathlessAttributes.ATTR_OUT, PathlessXattrs.LARGEST_REPLY);

        /** Whether libfuse's reply {@code error} to a request of {@code opcode} is one to serve by inode instead. */
        static boolean serves(int opcode, int error) {
            return error == Errnos.of(FsError.NOT_FOUND) && (PathlessAttributes.handles(opcode) || PathlessXattrs.handles(opcode));
        }

        /**
         * Serves a request libfuse answered ENOENT for want of a path.
         *
         * @return the length of the reply body written to {@code out}, or the negative errno to answer
         */
        int serve(int opcode, long ino, Pointer request, int length, Pointer out);

        /**
         * GETATTR of inode {@code ino} (the kernel's node id), writing its fuse_attr_out to {@code out}.
         *
         * @return the length of the reply body written, or the negative errno to answer
         */
        int getattr(long ino, Pointer out);

        /**
         * SEEK_DATA ({@code data}) or SEEK_HOLE from {@code offset} in file {@code ino}.
         *
         * @return the offset found, or the negative errno to answer
         */
        long seek(long ino, long offset, boolean data);

        /** Whether directory {@code dir} (an inode number) holds {@code name}: a RENAME2 must not replace it ({@link RenameFlags}). */
        boolean named(long dir, String name);
    }

    /** libfuse's {@code send} channel operation. */
    public interface Send {
        @Delegate
        int send(Pointer channel, Pointer iov, long count);
    }

    private static final int ESTALE = 116;
    private static final int EEXIST = 17;
    private static final int EINVAL = 22;

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
    private final ByInode byInode;
    private final Pointer pathlessReply;
    private int opcode;
    private int initFlags;
    /** The request being served and the kernel's node id in it (the rewriter gives libfuse its own). */
    private Pointer request;
    private int requestLength;
    private long kernelNode;

    ReplyChannel(FuseLoop.LibFuseSession lib, LibC libc, int fd, long bufferSize, AttrValidity validity,
                 InitReply initReply, NodeIds nodeIds, HandleNodes handleNodes, ByInode byInode) {
        this.libc = libc;
        this.initReply = initReply;
        this.byInode = byInode;
        this.runtime = Runtime.getRuntime(lib);
        this.fd = fd;
        this.validity = validity;
        this.nodes = new NodeIdRewriter(nodeIds, handleNodes, runtime);
        this.answer = Memory.allocateDirect(runtime, Wire.OUT_HEADER);
        this.pathlessReply = Memory.allocateDirect(runtime, Wire.OUT_HEADER + ByInode.LARGEST_REPLY);
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
        if (opcode == Wire.LSEEK && length >= Wire.IN_HEADER + Wire.LSEEK_IN) {
            // libfuse 2 would answer ENOSYS, and the kernel then never asks again: every file all data
            seek(request);
            return;
        }
        if (opcode == Wire.GETATTR) {
            // the kernel's node id is the inode number: no path needed, so libfuse's walk of its node
            // tree (under its lock) and the path callback's resolution are skipped for the commonest request
            getattr(request);
            return;
        }
        RenameFlags.note(false);
        if (opcode == Wire.RENAME2) {
            int errno = renameWithoutReplacing(request, length);
            if (errno != 0) {
                answer(NodeIdRewriter.unique(request), errno);
                return;
            }
            length = RenameFlags.toRename(request, length);
            opcode = Wire.RENAME;
            RenameFlags.note(true);
        }
        this.request = request;
        this.requestLength = length;
        kernelNode = request.getLong(Wire.IN_NODE_ID);
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

    /** 0 to go on with the RENAME2 as a RENAME that must not replace, or the errno to answer it with. */
    private int renameWithoutReplacing(Pointer request, int length) {
        if (!RenameFlags.onlyNoReplace(request, length)) {
            return EINVAL; // RENAME_EXCHANGE, RENAME_WHITEOUT: not supported
        }
        String name = RenameFlags.newName(request, length);
        if (name == null) {
            return EINVAL;
        }
        return byInode.named(RenameFlags.newDirectory(request), name) ? EEXIST : 0;
    }

    private int send(Pointer ignored, Pointer iov, long count) {
        if (iov == null) {
            return 0;
        }
        int error = iov.getPointer(0).getInt(Wire.OUT_ERROR);
        if (ByInode.serves(opcode, error)) {
            return answerPathless(iov.getPointer(0).getLong(Wire.OUT_UNIQUE));
        }
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

    /** Answers the current request in libfuse's place: with what the inode gives, or an errno after all. */
    private int answerPathless(long unique) {
        int result = byInode.serve(opcode, kernelNode, request, requestLength, pathlessReply.slice(Wire.OUT_HEADER));
        int length = Wire.OUT_HEADER + Math.max(0, result);
        pathlessReply.putInt(0, length);
        pathlessReply.putInt(Wire.OUT_ERROR, Math.min(0, result));
        pathlessReply.putLong(Wire.OUT_UNIQUE, unique);
        if (libc.write(fd, pathlessReply, length) < 0) {
            return -LastError.getLastError(runtime); // interrupted: the kernel forgot the request
        }
        return 0;
    }

    private void getattr(Pointer request) {
        long unique = NodeIdRewriter.unique(request);
        Pointer body = pathlessReply.slice(Wire.OUT_HEADER);
        int result = byInode.getattr(request.getLong(Wire.IN_NODE_ID), body);
        if (result < 0) {
            answer(unique, -result);
            return;
        }
        validity.extend(Wire.GETATTR, body, result);
        int length = Wire.OUT_HEADER + result;
        pathlessReply.putInt(0, length);
        pathlessReply.putInt(Wire.OUT_ERROR, 0);
        pathlessReply.putLong(Wire.OUT_UNIQUE, unique);
        // a failure means the request was interrupted and the kernel forgot it
        libc.write(fd, pathlessReply, length);
    }

    /** fuse_lseek_in: fh, offset, whence; its node id is the kernel's, the inode number. */
    private void seek(Pointer request) {
        long unique = NodeIdRewriter.unique(request);
        int whence = request.getInt(Wire.IN_HEADER + 16);
        if (whence != Wire.SEEK_DATA && whence != Wire.SEEK_HOLE) {
            answer(unique, EINVAL);
            return;
        }
        long found = byInode.seek(request.getLong(Wire.IN_NODE_ID), request.getLong(Wire.IN_HEADER + 8),
                whence == Wire.SEEK_DATA);
        if (found < 0) {
            answer(unique, (int) -found);
            return;
        }
        pathlessReply.putInt(0, Wire.OUT_HEADER + 8);
        pathlessReply.putInt(Wire.OUT_ERROR, 0);
        pathlessReply.putLong(Wire.OUT_UNIQUE, unique);
        pathlessReply.putLong(Wire.OUT_HEADER, found);
        // a failure means the request was interrupted and the kernel forgot it
        libc.write(fd, pathlessReply, Wire.OUT_HEADER + 8);
    }

    /** Answers a request libfuse never sees with {@code errno}. */
    private void answer(long unique, int errno) {
        answer.putInt(0, Wire.OUT_HEADER);
        answer.putInt(Wire.OUT_ERROR, -errno);
        answer.putLong(Wire.OUT_UNIQUE, unique);
        // a failure means the kernel no longer waits for this answer: nothing left to tell it
        libc.write(fd, answer, Wire.OUT_HEADER);
    }

    void close(FuseLoop.LibFuseSession lib) {
        lib.fuse_chan_destroy(channel);
    }
}
