package io.tgcryptfs.fuse;

import jnr.ffi.Pointer;

/**
 * The libfuse node each open file handle was opened on. libfuse 2 counts opens per node, and hides a
 * name at its unlink only when that name's node is open; a file with several names is several libfuse
 * nodes behind the kernel's one ({@link NodeIds}), so a request that carries a handle (read, write,
 * flush, release, fsync, fallocate, lseek, locks, an fstat or an ftruncate) must reach the node its open
 * reached. Handing it to whichever node was named instead made a release land on a node never opened,
 * and libfuse aborted the process (fuse_do_release: Assertion 'node->open_count > 0'). Handles are the
 * gateway's, unique over the mount's life. Thread-safe.
 */
final class HandleNodes {
    private static final int NODE = 0;
    private final LongTable nodes = new LongTable(1);

    /** The handle {@code fh} was opened on libfuse's {@code node}. */
    synchronized void opened(long fh, long node) {
        if (fh != NodeIds.NONE) {
            nodes.setValue(nodes.insert(fh), NODE, node);
        }
    }

    synchronized void released(long fh) {
        if (fh != NodeIds.NONE) {
            nodes.remove(fh);
        }
    }

    /** The node a request's handle was opened on, or {@link NodeIds#NONE} if it carries none known here. */
    synchronized long nodeOf(long fh) {
        if (fh == NodeIds.NONE) {
            return NodeIds.NONE;
        }
        int slot = nodes.find(fh);
        return slot < 0 ? NodeIds.NONE : nodes.value(slot, NODE);
    }

    synchronized int size() {
        return nodes.size();
    }

    /** The file handle a request of {@code opcode} carries, or {@link NodeIds#NONE}. */
    static long handleOf(int opcode, Pointer request, int length) {
        int at;
        switch (opcode) {
            case Wire.READ, Wire.WRITE, Wire.RELEASE, Wire.FSYNC, Wire.FLUSH, Wire.GETLK, Wire.SETLK, Wire.SETLKW,
                    Wire.FALLOCATE, Wire.LSEEK -> at = Wire.IN_HEADER; // fh first in each body
            case Wire.GETATTR -> {
                if (length < Wire.IN_HEADER + 16 || (request.getInt(Wire.IN_HEADER) & Wire.GETATTR_FH) == 0) {
                    return NodeIds.NONE;
                }
                at = Wire.IN_HEADER + 8; // getattr_flags, dummy, fh
            }
            case Wire.SETATTR -> {
                if (length < Wire.IN_HEADER + 16 || (request.getInt(Wire.IN_HEADER) & Wire.FATTR_FH) == 0) {
                    return NodeIds.NONE;
                }
                at = Wire.IN_HEADER + 8; // valid, padding, fh
            }
            default -> {
                return NodeIds.NONE;
            }
        }
        return length >= at + 8 ? request.getLong(at) : NodeIds.NONE;
    }
}
