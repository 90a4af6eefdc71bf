package io.tgcryptfs.fuse;

import io.tgcryptfs.engine.TimeChange;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.fs.Timestamp;
import io.tgcryptfs.gateway.Caller;
import io.tgcryptfs.gateway.InodeGateway;
import io.tgcryptfs.gateway.Stat;
import jnr.ffi.Pointer;

/**
 * GETATTR of any inode, and SETATTR of an open file libfuse 2 has no path for, served by inode number
 * (the kernel's node id is the file's inode number, {@link NodeIds}).
 *
 * <p>GETATTR needs no path, so every one is answered here, without libfuse: its walk of the node tree
 * to build a path (under its lock), the callback, and the path's resolution again here took a tenth of
 * an fstat's round trip.
 *
 * <p>SETATTR goes through libfuse and its path callbacks. A file unlinked while open keeps a hidden name,
 * and once its directory goes (an rmdir, a rename over it) it has no path at all: reads and writes go on
 * (they carry the handle, and libfuse passes a null path, {@code nullpath_ok}), but libfuse answered
 * ENOENT to an fchmod and to the times the kernel writes back at fsync and close under the writeback
 * cache, so fsync and close failed too, where ext4 succeeds (ConcurrentOracleIT found it). When libfuse
 * answers one of these ENOENT for a file that is open, the worker asks here instead ({@link
 * PathlessXattrs} serves the xattr requests); a file that is not open keeps libfuse's answer. It is
 * applied as libfuse applies it through the path callbacks (mode, owner, size, times, in that order,
 * each with the ctime the kernel sent), and answered with the attributes after it, valid for no time:
 * the kernel asks again.
 */
final class PathlessAttributes {
    /** fuse_attr_out: attr_valid, attr_valid_nsec, dummy, then the 88-byte fuse_attr. */
    static final int ATTR_OUT = 104;

    private static final int FATTR_MODE = 1;
    private static final int FATTR_UID = 1 << 1;
    private static final int FATTR_GID = 1 << 2;
    private static final int FATTR_SIZE = 1 << 3;
    private static final int FATTR_ATIME = 1 << 4;
    private static final int FATTR_MTIME = 1 << 5;
    private static final int FATTR_ATIME_NOW = 1 << 7;
    private static final int FATTR_MTIME_NOW = 1 << 8;
    /** fuse_setattr_in, after the request header. */
    private static final int SETATTR_IN = 88;
    private static final int SIZE = 16;
    private static final int ATIME = 32;
    private static final int MTIME = 40;
    private static final int ATIME_NANOS = 56;
    private static final int MTIME_NANOS = 60;
    private static final int MODE = 68;
    private static final int UID = 76;
    private static final int GID = 80;
    /** fuse_in_header: the caller's uid, gid, pid. */
    private static final int CALLER_UID = 24;

    private final InodeGateway gateway;
    private final int blockSize;

    PathlessAttributes(InodeGateway gateway, int blockSize) {
        this.gateway = gateway;
        this.blockSize = blockSize;
    }

    /** The requests libfuse may answer ENOENT for want of a path that are served here then. */
    static boolean handles(int opcode) {
        return opcode == Wire.SETATTR;
    }

    /**
     * Writes the fuse_attr_out of inode {@code ino} to {@code out}.
     *
     * @return the reply body's length, {@value #ATTR_OUT}
     */
    int getattr(long ino, Pointer out) {
        fill(gateway.stat(ino), out);
        return ATTR_OUT;
    }

    /**
     * Applies the SETATTR of {@code length} bytes at {@code request} to inode {@code ino}, which is open,
     * and writes the fuse_attr_out after it to {@code out}.
     *
     * @return the reply body's length, {@value #ATTR_OUT}
     */
    int setattr(long ino, Pointer request, int length, Pointer out) {
        if (length < Wire.IN_HEADER + SETATTR_IN) {
            throw new FsException(FsError.INVALID, "a SETATTR of " + length + " bytes");
        }
        apply(ino, request);
        return getattr(ino, out);
    }

    private void apply(long ino, Pointer request) {
        int valid = request.getInt(Wire.IN_HEADER);
        TimeChange ctime = KernelCtime.current();
        SetIdRequest.Drop drop = SetIdRequest.take();
        if ((valid & FATTR_MODE) != 0) {
            gateway.chmod(ino, request.getInt(Wire.IN_HEADER + MODE) & Inode.PERMISSION_MASK, ctime);
        }
        if ((valid & (FATTR_UID | FATTR_GID)) != 0) {
            int uid = (valid & FATTR_UID) != 0 ? request.getInt(Wire.IN_HEADER + UID) : -1;
            int gid = (valid & FATTR_GID) != 0 ? request.getInt(Wire.IN_HEADER + GID) : -1;
            gateway.chown(ino, uid, gid, ctime);
        } else if (drop == SetIdRequest.Drop.FOR_OWNERSHIP) {
            gateway.chown(ino, -1, -1, ctime); // a chown naming neither id still drops set-id bits
        }
        if ((valid & FATTR_SIZE) != 0) {
            if (drop == SetIdRequest.Drop.FOR_DATA) {
                gateway.dropSetId(ino, new Caller(request.getInt(CALLER_UID), request.getInt(CALLER_UID + 4),
                        request.getInt(CALLER_UID + 8)));
            }
            gateway.truncate(ino, request.getLong(Wire.IN_HEADER + SIZE));
        }
        TimeChange atime = time(request, valid, FATTR_ATIME, FATTR_ATIME_NOW, ATIME, ATIME_NANOS);
        TimeChange mtime = time(request, valid, FATTR_MTIME, FATTR_MTIME_NOW, MTIME, MTIME_NANOS);
        Timestamp kernelCtime = KernelCtime.take();
        if (atime != TimeChange.Omit.INSTANCE || mtime != TimeChange.Omit.INSTANCE) {
            gateway.setTimes(ino, atime, mtime, ctime);
        } else if (kernelCtime != null) {
            gateway.setTimes(ino, TimeChange.Omit.INSTANCE, TimeChange.Omit.INSTANCE, new TimeChange.At(kernelCtime));
        }
    }

    private static TimeChange time(Pointer request, int valid, int set, int now, int seconds, int nanos) {
        if ((valid & set) == 0) {
            return TimeChange.Omit.INSTANCE;
        }
        if ((valid & now) != 0) {
            return TimeChange.Now.INSTANCE;
        }
        return new TimeChange.At(new Timestamp(request.getLong(Wire.IN_HEADER + seconds), request.getInt(Wire.IN_HEADER + nanos)));
    }

    /** fuse_attr_out as libfuse fills it from a struct stat (StatFiller), valid for no time ({@link AttrValidity} may extend it). */
    private void fill(Stat s, Pointer out) {
        Inode inode = s.inode();
        out.putLong(0, 0);  // attr_valid
        out.putInt(8, 0);   // attr_valid_nsec
        out.putInt(12, 0);  // dummy
        int a = 16;
        out.putLong(a, inode.ino());
        out.putLong(a + 8, StatFiller.size(inode));
        out.putLong(a + 16, StatFiller.blocks(s));
        out.putLong(a + 24, inode.atime().seconds());
        out.putLong(a + 32, inode.mtime().seconds());
        out.putLong(a + 40, inode.ctime().seconds());
        out.putInt(a + 48, inode.atime().nanos());
        out.putInt(a + 52, inode.mtime().nanos());
        out.putInt(a + 56, inode.ctime().nanos());
        out.putInt(a + 60, inode.kind().typeBits() | inode.mode());
        out.putInt(a + 64, inode.nlink());
        out.putInt(a + 68, inode.uid());
        out.putInt(a + 72, inode.gid());
        out.putInt(a + 76, (int) inode.rdev());
        out.putInt(a + 80, blockSize);
        out.putInt(a + 84, 0);  // flags
    }
}
