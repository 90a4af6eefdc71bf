package io.tgcryptfs.fuse;

import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.gateway.InodeGateway;
import jnr.ffi.Pointer;


/**
 * What the workers ask the file system by inode number, past libfuse: every GETATTR, the attribute and
 * xattr changes of an open file or directory libfuse has no path for ({@link PathlessAttributes},
 * {@link PathlessXattrs}),
 * whether a RENAME2's target exists ({@link RenameFlags}), and SEEK_DATA / SEEK_HOLE, which libfuse 2
 * has no operation for.
 */
final class ByInodeRequests implements ReplyChannel.ByInode {
    private final InodeGateway gateway;
    private final FuseCalls runner;
    private final PathlessAttributes attributes;
    private final PathlessXattrs xattrs;

    ByInodeRequests(InodeGateway gateway, int blockSize, FuseCalls runner) {
        this.gateway = gateway;
        this.runner = runner;
        this.attributes = new PathlessAttributes(gateway, blockSize);
        this.xattrs = new PathlessXattrs(gateway);
    }

    @Override
    public int serve(int opcode, long ino, Pointer request, int length, Pointer out) {
        return runner.run(Wire.name(opcode), () -> {
            if (!gateway.isOpen(ino)) {
                throw new FsException(FsError.NOT_FOUND, "inode " + ino + " has no path and is not open");
            }
            return PathlessXattrs.handles(opcode) ? xattrs.serve(opcode, ino, request, length, out)
                    : attributes.setattr(ino, request, length, out);
        });
    }

    @Override
    public int getattr(long ino, Pointer out) {
        return runner.run("getattr", () -> attributes.getattr(ino, out));
    }

    @Override
    public long seek(long ino, long offset, boolean data) {
        long[] found = new long[1];
        int result = runner.run("lseek", () -> {
            found[0] = gateway.seek(ino, offset, data);
            return 0;
        });
        return result < 0 ? result : found[0];
    }

    @Override
    public boolean named(long dir, String name) {
        try {
            return gateway.named(dir, name);
        } catch (FsException e) {
            return false; // no such directory: the rename fails on its own
        }
    }
}
