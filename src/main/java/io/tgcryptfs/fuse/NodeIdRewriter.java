package io.tgcryptfs.fuse;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * One worker's side of {@link NodeIds}: rewrites the kernel's node ids in a request into libfuse's before
 * libfuse sees it, and libfuse's node id in an entry reply into the kernel's before the kernel does, and
 * tells the table what each name operation did. Used by one thread at a time, like its {@link ReplyChannel}.
 */
final class NodeIdRewriter {
    /** What to do with a request once its node ids are rewritten. */
    enum Inbound {
        /** Hand it to libfuse. */
        PROCESS,
        /** A FORGET: libfuse was handed the forgets it stands for. */
        FORGOTTEN,
        /** It names a node the kernel was never sent: answer ESTALE without libfuse. */
        STALE
    }

    /** Hands libfuse a request of {@code length} bytes. */
    interface Libfuse {
        void process(Pointer request, long length);
    }

    /** fuse_mknod_in (since 7.12), fuse_mkdir_in, fuse_create_in (since 7.12): before the name. */
    private static final int MKNOD_IN = 16;
    private static final int MKDIR_IN = 8;
    private static final int CREATE_IN = 16;
    /** fuse_link_in {oldnodeid}, fuse_rename_in {newdir}; fuse_rename2_in adds flags and padding. */
    private static final int NODE_ARG = 8;
    private static final int RENAME2_IN = 16;
    /** fuse_entry_out: nodeid at 0, the fuse_attr at 40, its ino first. */
    private static final int ENTRY_INO = 40;
    /** fuse_batch_forget_in {count, dummy}, then fuse_forget_one {nodeid, nlookup} each. */
    private static final int BATCH_IN = 8;
    private static final int FORGET_ONE = 16;
    private static final int FORGETS_PER_BATCH = 4096;

    private final NodeIds ids;
    private final HandleNodes handles;
    private final Pointer batch;
    /** The current FORGET's libfuse forgets, node and count in turn: handed over once the table's lock is free. */
    private long[] forgets = new long[2 * 16];
    private int forgetCount;

    /** Room for one name (NAME_MAX is 255 bytes; grows if a kernel sends longer). */
    private byte[] nameBytes = new byte[256];
    private int opcode;
    private long name;
    private long target;
    private long enteredKernel = NodeIds.NONE;
    private long enteredLibfuse = NodeIds.NONE;
    /** The handle the current request carries, and the libfuse node an OPEN went to. */
    private long handle;
    private long openedOn;
    /** The handle the reply to an OPEN or CREATE gives the kernel. */
    private long opened;

    NodeIdRewriter(NodeIds ids, HandleNodes handles, Runtime runtime) {
        this.ids = ids;
        this.handles = handles;
        this.batch = Memory.allocateDirect(runtime, Wire.IN_HEADER + BATCH_IN + (long) FORGETS_PER_BATCH * FORGET_ONE);
    }

    /**
     * Rewrites the request of {@code length} bytes at {@code request} in place, and notes what its reply
     * will mean; a FORGET is not rewritten but handed to {@code libfuse} as the forgets it stands for.
     */
    Inbound inbound(Pointer request, int length, Libfuse libfuse) {
        opcode = request.getInt(Wire.IN_OPCODE);
        name = NodeIds.NONE;
        target = NodeIds.NONE;
        enteredKernel = NodeIds.NONE;
        if (opcode == Wire.FORGET || opcode == Wire.BATCH_FORGET) {
            forget(request, length, libfuse);
            return Inbound.FORGOTTEN;
        }
        long kernelNode = request.getLong(Wire.IN_NODE_ID);
        handle = HandleNodes.handleOf(opcode, request, length);
        opened = NodeIds.NONE;
        long openNode = handles.nodeOf(handle);
        if (openNode != NodeIds.NONE) {
            request.putLong(Wire.IN_NODE_ID, openNode); // where the handle's open went, named or not
        } else if (!rewrite(request, Wire.IN_NODE_ID)) {
            return Inbound.STALE;
        }
        openedOn = request.getLong(Wire.IN_NODE_ID);
        switch (opcode) {
            case Wire.LOOKUP, Wire.UNLINK, Wire.RMDIR, Wire.SYMLINK -> name = nameAt(kernelNode, request, Wire.IN_HEADER, length);
            case Wire.MKNOD -> name = nameAt(kernelNode, request, Wire.IN_HEADER + MKNOD_IN, length);
            case Wire.MKDIR -> name = nameAt(kernelNode, request, Wire.IN_HEADER + MKDIR_IN, length);
            case Wire.CREATE -> name = nameAt(kernelNode, request, Wire.IN_HEADER + CREATE_IN, length);
            case Wire.LINK -> {
                if (!rewrite(request, Wire.IN_HEADER)) {
                    return Inbound.STALE;
                }
                name = nameAt(kernelNode, request, Wire.IN_HEADER + NODE_ARG, length);
            }
            case Wire.RENAME, Wire.RENAME2 -> {
                long newDir = request.getLong(Wire.IN_HEADER);
                if (!rewrite(request, Wire.IN_HEADER)) {
                    return Inbound.STALE;
                }
                int at = Wire.IN_HEADER + (opcode == Wire.RENAME ? NODE_ARG : RENAME2_IN);
                name = nameAt(kernelNode, request, at, length);
                target = nameAt(newDir, request, at + nameLength(request, at, length) + 1, length);
            }
            default -> {
            }
        }
        return Inbound.PROCESS;
    }

    /** Before the reply to the current request is sent: {@code error} from its header, {@code payload} after it. */
    void outbound(int error, Pointer payload, long payloadLength) {
        if (opcode == Wire.RELEASE) {
            handles.released(handle); // whatever libfuse answers, the kernel is done with the handle
        }
        if (error != 0) {
            return;
        }
        switch (opcode) {
            case Wire.OPEN -> {
                if (payload != null && payloadLength >= Wire.OPEN_OUT) {
                    opened = payload.getLong(0);
                    handles.opened(opened, openedOn);
                }
            }
            case Wire.LOOKUP, Wire.SYMLINK, Wire.MKNOD, Wire.MKDIR, Wire.LINK, Wire.CREATE -> {
                if (payload == null || payloadLength < ENTRY_INO + 8 || name == NodeIds.NONE) {
                    return;
                }
                long libfuseNode = payload.getLong(0);
                if (libfuseNode == NodeIds.NONE) {
                    return; // a negative entry
                }
                if (opcode == Wire.CREATE && payloadLength >= ENTRY_INO + 8 + Wire.OPEN_OUT) {
                    opened = payload.getLong(payloadLength - Wire.OPEN_OUT); // fuse_entry_out, then fuse_open_out
                    handles.opened(opened, libfuseNode);
                }
                long kernelNode = payload.getLong(ENTRY_INO);
                ids.entered(kernelNode, libfuseNode, name);
                payload.putLong(0, kernelNode);
                enteredKernel = kernelNode;
                enteredLibfuse = libfuseNode;
            }
            case Wire.UNLINK, Wire.RMDIR -> {
                if (name != NodeIds.NONE) {
                    ids.unlinked(name);
                }
            }
            case Wire.RENAME -> {
                if (name != NodeIds.NONE && target != NodeIds.NONE) {
                    ids.renamed(name, target);
                }
            }
            default -> {
            }
        }
    }

    /** The kernel did not take the reply just sent (its request was interrupted). */
    void notSent() {
        if (opened != NodeIds.NONE) {
            handles.released(opened); // libfuse releases a handle the kernel never got itself
            opened = NodeIds.NONE;
        }
        if (enteredKernel != NodeIds.NONE) {
            ids.notEntered(enteredKernel, enteredLibfuse);
            enteredKernel = NodeIds.NONE;
        }
    }

    /** The request's unique id, for an answer libfuse does not give. */
    static long unique(Pointer request) {
        return request.getLong(Wire.IN_UNIQUE);
    }

    /** Replaces the kernel node id at {@code offset} by a libfuse one; false when the kernel's is unknown. */
    private boolean rewrite(Pointer request, int offset) {
        long kernelNode = request.getLong(offset);
        if (kernelNode == NodeIds.NONE) {
            return true; // INIT, DESTROY, INTERRUPT name no node
        }
        long libfuseNode = ids.toLibfuse(kernelNode);
        if (libfuseNode == NodeIds.NONE) {
            return false;
        }
        request.putLong(offset, libfuseNode);
        return true;
    }

    /** Hands libfuse the forgets of a FORGET or BATCH_FORGET as BATCH_FORGET requests of its own nodes. */
    private void forget(Pointer request, int length, Libfuse libfuse) {
        forgetCount = 0;
        if (opcode == Wire.FORGET) {
            if (length >= Wire.IN_HEADER + 8) {
                ids.forget(request.getLong(Wire.IN_NODE_ID), request.getLong(Wire.IN_HEADER), this::addForget);
            }
        } else if (length >= Wire.IN_HEADER + BATCH_IN) {
            long count = Math.min(request.getInt(Wire.IN_HEADER) & 0xffffffffL, (length - Wire.IN_HEADER - BATCH_IN) / FORGET_ONE);
            for (int i = 0; i < count; i++) {
                int at = Wire.IN_HEADER + BATCH_IN + i * FORGET_ONE;
                ids.forget(request.getLong(at), request.getLong(at + 8), this::addForget);
            }
        }
        for (int from = 0; from < forgetCount; from += FORGETS_PER_BATCH) {
            int n = Math.min(FORGETS_PER_BATCH, forgetCount - from);
            int size = Wire.IN_HEADER + BATCH_IN + n * FORGET_ONE;
            batch.setMemory(0, Wire.IN_HEADER, (byte) 0);
            batch.putInt(0, size);
            batch.putInt(Wire.IN_OPCODE, Wire.BATCH_FORGET);
            batch.putInt(Wire.IN_HEADER, n);
            batch.putInt(Wire.IN_HEADER + 4, 0);
            batch.put(Wire.IN_HEADER + BATCH_IN, forgets, 2 * from, 2 * n);
            libfuse.process(batch, size);
        }
    }

    private void addForget(long libfuseNode, long lookups) {
        if (2 * forgetCount == forgets.length) {
            forgets = java.util.Arrays.copyOf(forgets, forgets.length * 2);
        }
        forgets[2 * forgetCount] = libfuseNode;
        forgets[2 * forgetCount + 1] = lookups;
        forgetCount++;
    }

    /** The key of the NUL-terminated name at {@code at} in directory {@code parent}, or NONE if the request ends first. */
    private long nameAt(long parent, Pointer request, int at, int length) {
        int n = nameLength(request, at, length);
        if (n < 0) {
            return NodeIds.NONE;
        }
        if (n > nameBytes.length) {
            nameBytes = new byte[n];
        }
        request.get(at, nameBytes, 0, n);
        return NodeIds.nameKey(parent, nameBytes, 0, n);
    }

    /** The length of the NUL-terminated name at {@code at}, or -1 when the request ends first. */
    private static int nameLength(Pointer request, int at, int length) {
        if (at < 0 || at >= length) {
            return -1;
        }
        int n = request.indexOf(at, (byte) 0, length - at);
        return n < 0 ? -1 : n;
    }
}
