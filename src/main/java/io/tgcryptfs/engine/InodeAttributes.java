package io.tgcryptfs.engine;

import io.tgcryptfs.fs.FileNames;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.fs.Timestamp;
import io.tgcryptfs.meta.MetaWriter;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Changes to one inode's attributes and xattrs that are a single LMDB transaction each, run on the
 * caller's thread: LMDB's single writer orders them against each other and against the inode actor's
 * truncates, and each reads the inode inside its own transaction, so none undoes another. Asking the
 * inode actor to run them cost two thread hand-offs, more than the transaction (a tar x spent a third of
 * its time there).
 */
public final class InodeAttributes {
    public static final int MAX_XATTR_VALUE = 65536;
    /**
     * The most a listxattr can return (XATTR_LIST_MAX): a file whose names exceed it cannot have them
     * listed (E2BIG), so rsync -X, cp -a and Samba fail on it. A new name past it is refused with ENOSPC,
     * as ext4 refuses one its xattr space cannot hold.
     */
    public static final int MAX_XATTR_LIST = 65536;
    /** An mtime set this close to now is the kernel's (or as good as): see {@link #vouchesForThePast}. */
    private static final java.time.Duration RECENT = java.time.Duration.ofSeconds(1);

    private final EngineContext ctx;
    private final PosixAcls acls;

    public InodeAttributes(EngineContext ctx, PosixAcls acls) {
        this.ctx = ctx;
        this.acls = acls;
    }

    /**
     * A write reached {@code end}: grow the size if needed, and move mtime and ctime if {@code moveTimes}
     * (else the kernel sends them, see {@code gateway.WriteTimes}).
     */
    public void extend(long ino, long end, boolean moveTimes) {
        ctx.meta().write(w -> {
            Inode inode = existing(w, ino);
            long size = Math.max(inode.size(), end);
            w.putInode(moveTimes ? inode.withSize(size, ctx.now()) : inode.withSizeOnly(size));
            ctx.unbacked().mark(w, ino); // the write's bytes are on their way, not yet backed
            return Done.INSTANCE;
        });
    }

    /** @param ctime {@link TimeChange.Now}, or the ctime the kernel set (see {@link #setTimes}) */
    public Inode chmod(long ino, int mode, TimeChange ctime) {
        if (acls.enforced() && ctx.meta().read(r -> r.xattr(ino, PosixAcls.ACCESS)).isPresent()) {
            // the kernel leaves the access ACL to us: its owner, mask and other entries follow the mode
            return ctx.meta().write(w -> {
                Inode inode = existing(w, ino);
                Inode changed = inode.withMode(mode, resolve(ctime, inode.ctime(), ctx.now()));
                w.xattr(ino, PosixAcls.ACCESS).ifPresent(acl -> w.putXattr(ino, PosixAcls.ACCESS, PosixAcls.chmod(acl, mode)));
                w.putInode(changed);
                return changed;
            });
        }
        return update(ino, inode -> inode.withMode(mode, resolve(ctime, inode.ctime(), ctx.now())));
    }

    /**
     * -1 leaves uid or gid as it is. As on Linux, any chown of a non-directory, even one naming neither
     * id, drops set-user-ID, and set-group-ID when it means "group may execute" rather than mandatory
     * locking.
     *
     * @param ctime {@link TimeChange.Now}, or the ctime the kernel set (see {@link #setTimes})
     */
    public Inode chown(long ino, int uid, int gid, TimeChange ctime) {
        return update(ino, inode -> {
            Timestamp when = resolve(ctime, inode.ctime(), ctx.now());
            Inode changed = inode.withOwner(uid == -1 ? inode.uid() : uid, gid == -1 ? inode.gid() : gid, when);
            if (!inode.isDirectory()) {
                int mode = changed.mode() & ~Inode.SET_UID;
                if ((mode & Inode.GROUP_EXEC) != 0) {
                    mode &= ~Inode.SET_GID;
                }
                changed = changed.withMode(mode, when);
            }
            return changed;
        });
    }

    /**
     * A write or truncate by a caller without {@code CAP_FSETID} (the kernel leaves this to us: FUSE's
     * {@code HANDLE_KILLPRIV_V2}): a regular file loses set-user-ID, and set-group-ID where it means
     * "group may execute" or the caller is not in the file's group, as the Linux VFS does (the caller's
     * supplementary groups are not known here: only its primary group counts as membership). Costs no
     * write transaction when there is nothing to drop, which is nearly always.
     */
    public void dropSetId(long ino, int callerGid) {
        Inode current = ctx.meta().read(r -> r.inode(ino)).orElse(null);
        if (current == null || !current.isRegular() || setIdDropped(current, callerGid) == current.mode()) {
            return;
        }
        update(ino, inode -> {
            int mode = setIdDropped(inode, callerGid);
            return mode == inode.mode() ? inode : inode.withMode(mode, ctx.now());
        });
    }

    private static int setIdDropped(Inode inode, int callerGid) {
        int mode = inode.mode() & ~Inode.SET_UID;
        if ((mode & Inode.GROUP_EXEC) != 0 || inode.gid() != callerGid) {
            mode &= ~Inode.SET_GID;
        }
        return mode;
    }

    /**
     * @param ctime {@link TimeChange.Now} as for utimensat; a time where the kernel keeps a file's times
     *              itself (the writeback cache) and says what it set, so the file's ctime is the same after a
     *              remount as before
     */
    public Inode setTimes(long ino, TimeChange atime, TimeChange mtime, TimeChange ctime) {
        return update(ino, inode -> {
            Timestamp now = ctx.now();
            return inode.withTimes(resolve(atime, inode.atime(), now), resolve(mtime, inode.mtime(), now),
                    resolve(ctime, inode.ctime(), now));
        }, w -> {
            if (vouchesForThePast(mtime)) {
                ctx.unbacked().markIfUnbacked(w, ino);
            }
        });
    }

    /**
     * Whether an mtime being set claims the content is older than now: a source's time copied by rsync,
     * tar or cp -p, which makes the file look unchanged to the next backup run. The kernel's own times
     * (the writeback cache sends them before each fsync and close) are those of its last write, and a
     * file lost with a recent mtime only looks changed, which is safe: those need no mark, and an fsync
     * cycle of random writes then commits nothing more than before (a mark would cost a commit per fsync).
     */
    private boolean vouchesForThePast(TimeChange mtime) {
        return mtime instanceof TimeChange.At at
                && at.time().compareTo(Timestamp.of(ctx.clock().instant().minus(RECENT))) < 0;
    }

    public void setXattr(long ino, String name, byte[] value, XattrMode mode) {
        if (value.length > MAX_XATTR_VALUE) {
            throw new FsException(FsError.TOO_BIG, "xattr value larger than 64 KiB");
        }
        ctx.meta().write(w -> {
            Inode inode = existing(w, ino);
            boolean exists = w.xattr(ino, name).isPresent();
            if (exists && mode == XattrMode.CREATE_ONLY) {
                throw new FsException(FsError.EXISTS, "xattr exists");
            }
            if (!exists && mode == XattrMode.REPLACE_ONLY) {
                throw new FsException(FsError.NO_ATTRIBUTE, "no such xattr");
            }
            if (!exists && listedBytes(w.xattrNames(ino)) + listedBytes(List.of(name)) > MAX_XATTR_LIST) {
                throw new FsException(FsError.NO_SPACE, "the xattr names of inode " + ino + " would not fit in the "
                        + MAX_XATTR_LIST + " bytes a listxattr returns");
            }
            if (acls.enforced() && name.equals(PosixAcls.ACCESS)) {
                // as ext4: the mode follows the ACL, and an ACL that names no one is only that mode
                PosixAcls.ModeOf implied = PosixAcls.modeOf(value, inode.mode());
                if (implied.extended()) {
                    w.putXattr(ino, name, value);
                } else {
                    w.deleteXattr(ino, name);
                }
                w.putInode(inode.withMode(implied.mode(), ctx.now()));
                return Done.INSTANCE;
            }
            w.putXattr(ino, name, value);
            w.putInode(inode.withChanged(ctx.now()));
            return Done.INSTANCE;
        });
    }

    /** What listxattr returns for {@code names}: each name's bytes and a NUL. */
    private static int listedBytes(List<String> names) {
        int bytes = 0;
        for (String name : names) {
            bytes += FileNames.encode(name).length + 1;
        }
        return bytes;
    }

    public void removeXattr(long ino, String name) {
        ctx.meta().write(w -> {
            Inode inode = existing(w, ino);
            if (!w.deleteXattr(ino, name)) {
                throw new FsException(FsError.NO_ATTRIBUTE, "no such xattr");
            }
            w.putInode(inode.withChanged(ctx.now()));
            return Done.INSTANCE;
        });
    }

    /**
     * One inode changed in one write transaction, or none when the change leaves it as it is: under the
     * writeback cache the kernel follows a chown or chmod with its own ctime, already stored by then, and
     * a tar x sends several such requests per file. Deciding from a read snapshot orders this change
     * before any that commits meanwhile, which is as good an order as any for concurrent changes.
     */
    private Inode update(long ino, Function<Inode, Inode> change) {
        return update(ino, change, w -> { });
    }

    /** ...with {@code alongside} in the transaction that commits the change. */
    private Inode update(long ino, Function<Inode, Inode> change, Consumer<MetaWriter> alongside) {
        Inode current = ctx.meta().read(r -> r.inode(ino)).orElse(null);
        if (current != null && change.apply(current).equals(current)) {
            return current;
        }
        return ctx.meta().write(w -> {
            Inode changed = change.apply(existing(w, ino));
            w.putInode(changed);
            alongside.accept(w);
            return changed;
        });
    }

    static Inode existing(MetaWriter w, long ino) {
        return w.inode(ino).orElseThrow(() -> new FsException(FsError.NOT_FOUND, "inode " + ino + " is gone"));
    }

    private static Timestamp resolve(TimeChange change, Timestamp current, Timestamp now) {
        if (change instanceof TimeChange.At at) {
            return at.time();
        }
        return change == TimeChange.Now.INSTANCE ? now : current;
    }
}
