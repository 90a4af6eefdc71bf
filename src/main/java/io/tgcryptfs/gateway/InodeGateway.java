package io.tgcryptfs.gateway;

import io.tgcryptfs.engine.InodeAttributes;
import io.tgcryptfs.engine.OpenFiles;
import io.tgcryptfs.engine.TimeChange;
import io.tgcryptfs.engine.XattrMode;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.meta.MetaReader;
import io.tgcryptfs.meta.MetaStore;

import java.util.List;

/**
 * The file system by inode number. The FUSE workers answer every GETATTR here (the kernel's node id is
 * the inode number, so no path is needed). libfuse 2 reaches files by path otherwise, and loses the path
 * of an open file whose names are gone once its directory is removed or replaced; the adapter then
 * serves the attribute changes the kernel sends for it (a chmod, the times it flushes at fsync and close,
 * xattrs) here, along with what libfuse 2 has no operation for (SEEK_DATA, RENAME_NOREPLACE's check).
 * The path operations of {@link FsGateway} end here too once they have found the inode.
 */
public final class InodeGateway {
    private final MetaStore meta;
    private final InodeAttributes attributes;
    private final FileStats stats;
    private final OpenFiles openFiles;
    private final SparseSeek sparse;
    private final Truncation truncation;

    InodeGateway(MetaStore meta, InodeAttributes attributes, FileStats stats, OpenFiles openFiles, SparseSeek sparse,
                 Truncation truncation) {
        this.meta = meta;
        this.attributes = attributes;
        this.stats = stats;
        this.openFiles = openFiles;
        this.sparse = sparse;
        this.truncation = truncation;
    }

    /** Whether {@code ino} is open: only then does it outlive its names. */
    public boolean isOpen(long ino) {
        return openFiles.isOpen(ino);
    }

    public Stat stat(long ino) {
        return meta.read(r -> stats.stat(r, ino));
    }

    /** @param ctime as for {@link #setTimes} */
    public Inode chmod(long ino, int mode, TimeChange ctime) {
        return attributes.chmod(ino, mode, ctime);
    }

    /** @param ctime as for {@link #setTimes} */
    public Inode chown(long ino, int uid, int gid, TimeChange ctime) {
        return attributes.chown(ino, uid, gid, ctime);
    }

    /** A write or truncate the kernel says its caller may not keep set-id bits through (see InodeAttributes). */
    public void dropSetId(long ino, Caller caller) {
        attributes.dropSetId(ino, caller.gid());
    }

    /** As utimensat when {@code ctime} is {@link TimeChange.Now}; see {@code InodeAttributes.setTimes}. */
    public Inode setTimes(long ino, TimeChange atime, TimeChange mtime, TimeChange ctime) {
        return attributes.setTimes(ino, atime, mtime, ctime);
    }

    public Inode truncate(long ino, long size) {
        return truncation.truncate(ino, size, false);
    }

    public void setxattr(long ino, String name, byte[] value, XattrMode mode) {
        PathNames.checked(name);
        attributes.setXattr(ino, name, value, mode);
    }

    public byte[] getxattr(long ino, String name) {
        PathNames.checked(name);
        return meta.read(r -> xattr(r, ino, name));
    }

    public List<String> listxattr(long ino) {
        return meta.read(r -> r.xattrNames(ino));
    }

    public void removexattr(long ino, String name) {
        PathNames.checked(name);
        attributes.removeXattr(ino, name);
    }

    /** lseek's SEEK_DATA ({@code data}) or SEEK_HOLE from {@code offset} in file {@code ino} ({@link SparseSeek}). */
    public long seek(long ino, long offset, boolean data) {
        return sparse.seek(ino, offset, data);
    }

    /** Whether directory {@code dir} holds {@code name}. */
    public boolean named(long dir, String name) {
        return meta.read(r -> r.lookup(dir, name).isPresent());
    }

    static byte[] xattr(MetaReader r, long ino, String name) {
        return r.xattr(ino, name).orElseThrow(() -> new FsException(FsError.NO_ATTRIBUTE, "no xattr " + name));
    }
}
