package io.tgcryptfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.Test;

/** Requests and replies as the kernel and libfuse 2 lay them out (fuse_kernel.h). */
class NodeIdRewriterTest {
    private static final int GETATTR = 3;
    private static final long DIR_KERNEL = 50;
    private static final long DIR_LIBFUSE = 9;

    private final Runtime runtime = Runtime.getSystemRuntime();
    private final NodeIds ids = new NodeIds();
    private final HandleNodes handles = new HandleNodes();
    private final NodeIdRewriter rewriter = new NodeIdRewriter(ids, handles, runtime);
    /** What libfuse was handed: a copy of each request. */
    private final List<byte[]> handed = new ArrayList<>();
    private final NodeIdRewriter.Libfuse libfuse = (request, length) -> {
        byte[] copy = new byte[(int) length];
        request.get(0, copy, 0, copy.length);
        handed.add(copy);
    };

    NodeIdRewriterTest() {
        // the directory the tests work in: looked up from the root
        lookup(NodeIds.ROOT, "dir", DIR_LIBFUSE, DIR_KERNEL);
    }

    private Pointer request(int opcode, long nodeId, byte[] body) {
        Pointer p = Memory.allocateDirect(runtime, 40 + body.length + 8, true);
        p.putInt(0, 40 + body.length);
        p.putInt(4, opcode);
        p.putLong(8, 77);
        p.putLong(16, nodeId);
        p.put(40, body, 0, body.length);
        return p;
    }

    private static byte[] body(long word, String... names) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        if (word >= 0) {
            for (int i = 0; i < 8; i++) {
                out.write((int) (word >>> (8 * i)));
            }
        }
        for (String n : names) {
            out.writeBytes(n.getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }
        return out.toByteArray();
    }

    /** libfuse's fuse_entry_out for node {@code libfuseNode} of inode {@code ino} (with room for a CREATE's fuse_open_out after it, zero). */
    private Pointer entry(long libfuseNode, long ino) {
        Pointer p = Memory.allocateDirect(runtime, 128 + 32, true);
        p.putLong(0, libfuseNode);
        p.putLong(40, ino);
        return p;
    }

    /** A LOOKUP of {@code name} in {@code parent} (kernel ids) that libfuse answers with {@code libfuseNode}. */
    private Pointer lookup(long parent, String name, long libfuseNode, long ino) {
        Pointer req = request(Wire.LOOKUP, parent, body(-1, name));
        assertEquals(NodeIdRewriter.Inbound.PROCESS, rewriter.inbound(req, req.getInt(0), libfuse));
        Pointer reply = entry(libfuseNode, ino);
        rewriter.outbound(0, reply, 128);
        assertEquals(ino, reply.getLong(0), "the kernel is sent the inode number as the node id");
        return req;
    }

    /** An UNLINK or RMDIR of {@code name} in the test directory that libfuse answers with {@code error}. */
    private void remove(int opcode, String name, int error) {
        Pointer req = request(opcode, DIR_KERNEL, body(-1, name));
        assertEquals(NodeIdRewriter.Inbound.PROCESS, rewriter.inbound(req, req.getInt(0), libfuse));
        rewriter.outbound(error, null, 0);
    }

    private long libfuseNodeOf(long kernelNode) {
        Pointer req = request(GETATTR, kernelNode, new byte[16]);
        assertEquals(NodeIdRewriter.Inbound.PROCESS, rewriter.inbound(req, req.getInt(0), libfuse));
        return req.getLong(16);
    }

    @Test
    void aLookup_isHandedToLibfusesParent_andTheFileIsThenReachedByItsInodeNumber() {
        Pointer req = lookup(DIR_KERNEL, "f", 5, 100);
        assertEquals(DIR_LIBFUSE, req.getLong(16));
        assertEquals(5, libfuseNodeOf(100));
    }

    @Test
    void aNodeTheKernelWasNeverSent_isStale_andNodeZeroIsNoNode() {
        Pointer req = request(GETATTR, 100, new byte[16]);
        assertEquals(NodeIdRewriter.Inbound.STALE, rewriter.inbound(req, req.getInt(0), libfuse));
        assertEquals(77, NodeIdRewriter.unique(req));
        Pointer init = request(Wire.INIT, 0, new byte[16]);
        assertEquals(NodeIdRewriter.Inbound.PROCESS, rewriter.inbound(init, init.getInt(0), libfuse));
        assertEquals(0, init.getLong(16));
    }

    @Test
    void aLink_rewritesBothNodes_andTheNewNameIsTheSameKernelNode() {
        lookup(DIR_KERNEL, "a", 5, 100);
        Pointer link = request(Wire.LINK, DIR_KERNEL, body(100, "b"));
        assertEquals(NodeIdRewriter.Inbound.PROCESS, rewriter.inbound(link, link.getInt(0), libfuse));
        assertEquals(DIR_LIBFUSE, link.getLong(16));
        assertEquals(5, link.getLong(40), "oldnodeid");
        Pointer reply = entry(6, 100);
        rewriter.outbound(0, reply, 128);
        assertEquals(100, reply.getLong(0));

        remove(Wire.UNLINK, "a", 0);
        assertEquals(6, libfuseNodeOf(100), "after a is unlinked, the file is reached through b");
    }

    /** An OPEN of kernel node {@code ino} that libfuse answers with handle {@code fh}; returns the libfuse node it went to. */
    private long open(long ino, long fh) {
        Pointer req = request(Wire.OPEN, ino, new byte[8]);
        assertEquals(NodeIdRewriter.Inbound.PROCESS, rewriter.inbound(req, req.getInt(0), libfuse));
        Pointer reply = Memory.allocateDirect(runtime, Wire.OPEN_OUT, true);
        reply.putLong(0, fh);
        rewriter.outbound(0, reply, Wire.OPEN_OUT);
        return req.getLong(16);
    }

    /** A request of {@code opcode} carrying handle {@code fh} first in its body; returns the libfuse node it went to. */
    private long withHandle(int opcode, long ino, long fh) {
        Pointer req = request(opcode, ino, body(fh));
        assertEquals(NodeIdRewriter.Inbound.PROCESS, rewriter.inbound(req, req.getInt(0), libfuse));
        rewriter.outbound(0, null, 0);
        return req.getLong(16);
    }

    @Test
    void requestsCarryingAHandle_reachTheNodeItsOpenReached_evenAfterThatNameWasUnlinked() {
        lookup(DIR_KERNEL, "a", 5, 100);
        lookup(DIR_KERNEL, "z", 6, 100); // a hard link: one kernel node, two libfuse nodes
        long openedOn = open(100, 42);
        assertEquals(5, openedOn, "the first named node");
        remove(Wire.UNLINK, "a", 0); // libfuse hides node 5 (it is open); the file is reached through z
        assertEquals(6, libfuseNodeOf(100));

        assertEquals(5, withHandle(Wire.READ, 100, 42));
        assertEquals(5, withHandle(Wire.FLUSH, 100, 42));
        Pointer fstat = request(GETATTR, 100, concat(new byte[] {Wire.GETATTR_FH, 0, 0, 0, 0, 0, 0, 0}, body(42)));
        rewriter.inbound(fstat, fstat.getInt(0), libfuse);
        assertEquals(5, fstat.getLong(16), "an fstat");
        rewriter.outbound(0, null, 0);
        assertEquals(5, withHandle(Wire.RELEASE, 100, 42), "the release reaches the node libfuse counted the open on");
        assertEquals(0, handles.size(), "forgotten with its release");
        assertEquals(6, withHandle(Wire.READ, 100, 42), "an unknown handle: the file's named node");
    }

    @Test
    void aCreatesHandle_belongsToTheNodeItCreated_andAnOpenTheKernelRefusedIsForgotten() {
        Pointer create = request(Wire.CREATE, DIR_KERNEL, concat(new byte[16], body(-1, "new")));
        rewriter.inbound(create, create.getInt(0), libfuse);
        Pointer reply = Memory.allocateDirect(runtime, 128 + Wire.OPEN_OUT, true);
        reply.putLong(0, 11);
        reply.putLong(40, 102);
        reply.putLong(128, 43);
        rewriter.outbound(0, reply, 128 + Wire.OPEN_OUT);
        lookup(DIR_KERNEL, "other", 12, 102);
        remove(Wire.UNLINK, "new", 0);
        assertEquals(11, withHandle(Wire.WRITE, 102, 43));

        open(102, 44);
        rewriter.notSent();
        assertEquals(1, handles.size(), "only the create's handle");
    }

    @Test
    void aFailedUnlink_keepsTheName() {
        lookup(DIR_KERNEL, "c", 7, 101);
        lookup(DIR_KERNEL, "a", 5, 101);
        remove(Wire.UNLINK, "c", -13);
        assertEquals(7, libfuseNodeOf(101));
    }

    @Test
    void aRename_readsBothNames_andRewritesTheNewDirectory() {
        lookup(DIR_KERNEL, "c", 7, 101);
        lookup(DIR_KERNEL, "a", 5, 101);
        Pointer rename = request(Wire.RENAME, DIR_KERNEL, body(DIR_KERNEL, "a", "b"));
        assertEquals(NodeIdRewriter.Inbound.PROCESS, rewriter.inbound(rename, rename.getInt(0), libfuse));
        assertEquals(DIR_LIBFUSE, rename.getLong(16));
        assertEquals(DIR_LIBFUSE, rename.getLong(40), "newdir");
        rewriter.outbound(0, null, 0);
        remove(Wire.UNLINK, "c", 0);
        assertEquals(5, libfuseNodeOf(101), "a, now b, is the only name");
    }

    @Test
    void aCreate_andAMkdir_readTheNameAfterTheirArguments() {
        Pointer create = request(Wire.CREATE, DIR_KERNEL, concat(new byte[16], body(-1, "new")));
        rewriter.inbound(create, create.getInt(0), libfuse);
        rewriter.outbound(0, entry(11, 102), 128 + 32);
        Pointer mkdir = request(Wire.MKDIR, DIR_KERNEL, concat(new byte[8], body(-1, "sub")));
        rewriter.inbound(mkdir, mkdir.getInt(0), libfuse);
        rewriter.outbound(0, entry(12, 103), 128);
        assertEquals(11, libfuseNodeOf(102));
        assertEquals(12, libfuseNodeOf(103));

        remove(Wire.RMDIR, "sub", 0);
        assertEquals(12, libfuseNodeOf(103), "still reachable until forgotten");
    }

    @Test
    void aReplyTheKernelRefused_isNotCounted() {
        Pointer req = request(Wire.LOOKUP, DIR_KERNEL, body(-1, "f"));
        rewriter.inbound(req, req.getInt(0), libfuse);
        rewriter.outbound(0, entry(5, 100), 128);
        rewriter.notSent();
        Pointer getattr = request(GETATTR, 100, new byte[16]);
        assertEquals(NodeIdRewriter.Inbound.STALE, rewriter.inbound(getattr, getattr.getInt(0), libfuse));
    }

    @Test
    void aForget_becomesABatchForgetOfLibfusesNodes() {
        lookup(DIR_KERNEL, "a", 5, 100);
        lookup(DIR_KERNEL, "b", 6, 100);
        Pointer forget = request(Wire.FORGET, 100, body(2));
        assertEquals(NodeIdRewriter.Inbound.FORGOTTEN, rewriter.inbound(forget, forget.getInt(0), libfuse));

        assertEquals(1, handed.size());
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(handed.get(0)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(40 + 8 + 2 * 16, b.getInt(0));
        assertEquals(Wire.BATCH_FORGET, b.getInt(4));
        assertEquals(2, b.getInt(40));
        assertEquals(5, b.getLong(48));
        assertEquals(1, b.getLong(56));
        assertEquals(6, b.getLong(64));
        assertEquals(1, b.getLong(72));
        Pointer getattr = request(GETATTR, 100, new byte[16]);
        assertEquals(NodeIdRewriter.Inbound.STALE, rewriter.inbound(getattr, getattr.getInt(0), libfuse));
    }

    @Test
    void aLargeBatchForget_isHandedOverInSeveralBatches() {
        int files = 5000;
        for (int i = 0; i < files; i++) {
            lookup(DIR_KERNEL, "f" + i, 1000 + i, 10_000 + i);
        }
        java.nio.ByteBuffer body = java.nio.ByteBuffer.allocate(8 + files * 16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        body.putInt(files).putInt(0);
        for (int i = 0; i < files; i++) {
            body.putLong(10_000 + i).putLong(1);
        }
        Pointer forget = request(Wire.BATCH_FORGET, 0, body.array());
        assertEquals(NodeIdRewriter.Inbound.FORGOTTEN, rewriter.inbound(forget, forget.getInt(0), libfuse));

        assertEquals(2, handed.size());
        int total = 0;
        for (byte[] batch : handed) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(batch).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            assertEquals(batch.length, b.getInt(0));
            assertEquals(40 + 8 + 16 * b.getInt(40), batch.length);
            total += b.getInt(40);
        }
        assertEquals(files, total);
        assertTrue(ids.size() == 1, "only the directory is left");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
