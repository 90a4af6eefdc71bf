package io.tgcryptfs.fuse;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.byref.PointerByReference;
import ru.serce.jnrfuse.struct.FuseOperations;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * libfuse 2's request loop, run on Java threads. libfuse's own multithreaded loop serves requests on
 * native threads, and jnr attaches such a thread to the JVM for each callback and detaches it after:
 * every FUSE operation then paid for a new {@code java.lang.Thread}, and every thread-local (an AES-GCM
 * {@code Cipher}, LMDB's read transaction) was built again. Measured here: 6,000 attach/detach pairs for
 * 10,000 cold {@code stat}s. Here a fixed set of Java threads reads requests from the channel and hands
 * each to libfuse, which calls back on the same, already attached thread, and writes the reply through
 * the worker's own {@link ReplyChannel}.
 */
final class FuseLoop {
    private static final int EINTR = 4;

    /** The libfuse 2.9 calls a custom loop needs (fuse.h, fuse_lowlevel.h). */
    public interface LibFuseSession {
        Pointer fuse_setup(int argc, String[] argv, FuseOperations op, long opSize, PointerByReference mountpoint,
                           IntByReference multithreaded, Pointer userData);

        Pointer fuse_get_session(Pointer fuse);

        Pointer fuse_session_next_chan(Pointer session, Pointer channel);

        long fuse_chan_bufsize(Pointer channel);

        int fuse_chan_recv(PointerByReference channel, Pointer buffer, long size);

        void fuse_session_process(Pointer session, Pointer buffer, long length, Pointer channel);

        int fuse_session_exited(Pointer session);

        void fuse_session_exit(Pointer session);

        void fuse_teardown(Pointer fuse, Pointer mountpoint);

        int fuse_chan_fd(Pointer channel);

        Pointer fuse_chan_new(Pointer ops, int fd, long bufsize, Pointer data);

        void fuse_chan_destroy(Pointer channel);
    }

    private FuseLoop() {
    }

    /**
     * Mounts with {@code args} (as for {@code fuse_main}: name, options, mount point; must hold
     * {@code -f}), serves requests on {@code workers} threads until unmounted, then tears down.
     *
     * @param validity how long the kernel may keep the attributes a reply carries
     * @param wanted what the reply to INIT asks of the kernel beyond libfuse's own ({@link InitReply})
     * @param byInode serves what libfuse cannot for want of a path, by inode number
     * @param afterInit runs once the kernel has processed the reply to INIT (always the first request):
     *                  after the first request any worker has served
     * @return 0 after a clean unmount, 1 if libfuse could not mount or the channel failed
     */
    static int run(String[] args, FuseOperations operations, int workers, AttrValidity validity,
                   InitReply.Wanted wanted, ReplyChannel.ByInode byInode, Runnable afterInit) throws InterruptedException {
        LibFuseSession lib = LibraryLoader.create(LibFuseSession.class).failImmediately().load("fuse");
        ReplyChannel.LibC libc = LibraryLoader.create(ReplyChannel.LibC.class).failImmediately().load("c");
        PointerByReference mountpoint = new PointerByReference();
        Pointer fuse = lib.fuse_setup(args.length, args, operations, Struct.size(operations), mountpoint,
                new IntByReference(), null);
        if (fuse == null) {
            return 1;
        }
        Pointer session = lib.fuse_get_session(fuse);
        Pointer channel = lib.fuse_session_next_chan(session, null);
        Runtime runtime = Runtime.getRuntime(lib);
        InitReply init = new InitReply(runtime, wanted);
        // a request is its headers (at most a page) and up to the largest size the INIT reply allows
        long bufferSize = Math.max(lib.fuse_chan_bufsize(channel), (long) wanted.maxRequestBytes() + InitReply.PAGE);
        int[] failed = new int[1];
        List<Thread> threads = new ArrayList<>();
        int fd = lib.fuse_chan_fd(channel);
        List<ReplyChannel> replies = new ArrayList<>();
        AtomicReference<Runnable> initDone = new AtomicReference<>(afterInit);
        NodeIds nodeIds = new NodeIds();
        HandleNodes handleNodes = new HandleNodes();
        for (int i = 0; i < workers; i++) {
            ReplyChannel reply = new ReplyChannel(lib, libc, fd, bufferSize, validity, init, nodeIds, handleNodes, byInode);
            replies.add(reply);
            Thread t = new Thread(() -> {
                Pointer buffer = Memory.allocateDirect(runtime, bufferSize);
                if (!serve(lib, session, channel, reply, buffer, bufferSize, initDone)) {
                    synchronized (failed) {
                        failed[0] = 1;
                    }
                }
            }, "tgcryptfs-fuse-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        replies.forEach(r -> r.close(lib));
        lib.fuse_teardown(fuse, mountpoint.getValue());
        synchronized (failed) {
            return failed[0];
        }
    }

    /** One worker: read a request, let libfuse process it, until the session ends. False on a channel error. */
    private static boolean serve(LibFuseSession lib, Pointer session, Pointer channel, ReplyChannel reply,
                                 Pointer buffer, long size, AtomicReference<Runnable> initDone) {
        NodeIdRewriter.Libfuse libfuse = (request, length) -> lib.fuse_session_process(session, request, length,
                reply.pointer());
        while (lib.fuse_session_exited(session) == 0) {
            PointerByReference ch = new PointerByReference(channel);
            int n = lib.fuse_chan_recv(ch, buffer, size);
            if (n == -EINTR) {
                continue;
            }
            if (n <= 0) {
                // 0: unmounted (or another worker ended the session); negative: the device failed
                lib.fuse_session_exit(session);
                return n == 0;
            }
            reply.serve(buffer, n, libfuse);
            if (initDone.get() != null) {
                Runnable once = initDone.getAndSet(null);
                if (once != null) {
                    once.run();
                }
            }
        }
        return true;
    }
}
