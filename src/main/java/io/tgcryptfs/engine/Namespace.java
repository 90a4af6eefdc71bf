package io.tgcryptfs.engine;

import io.tgcryptfs.fs.FileKind;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.fs.Timestamp;
import io.tgcryptfs.meta.MetaReader;
import io.tgcryptfs.meta.MetaWriter;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongConsumer;

/**
 * The directory tree: every change to names and link counts, each as one LMDB transaction. A rename,
 * link or unlink touches entries and link counts of several inodes at once; doing each in a single write
 * transaction makes them consistent with each other, because LMDB admits one write transaction at a
 * time and each one reads what it changes inside itself.
 *
 * <p>Not an actor: it runs on the calling thread, a FUSE thread that would otherwise block waiting for
 * an actor to run the very same transaction. That hand-off to the blocking dispatcher and back was
 * most of the cost of a create or an unlink (two thread wake-ups, an ask's temporary actor and timer).
 * The open-file table it consults is updated atomically per inode (see {@link OpenFiles}), so an
 * unlink racing the last close still deletes the inode exactly once.
 *
 * <p>A directory stores its parent under the name ".." so rename can refuse to move a directory into
 * itself; readdir hides it.
 */
public final class Namespace {
    public static final long ROOT = 1;
    public static final String PARENT = "..";
    public static final String NEXT_INODE = "next-inode";
    public static final String INODES = "inodes";

    /**
     * A file, directory, symlink or special file named {@code name} to be created in {@code parent}.
     *
     * @param umask applied unless the directory has a default ACL ({@link PosixAcls})
     */
    public record MakeNode(Lookup parent, String name, FileKind kind, int mode, int uid, int gid, long rdev,
                           String symlinkTarget, int umask) {
    }

    private final EngineContext ctx;
    private final OpenFiles openFiles;
    private final HiddenFiles hiddenFiles = new HiddenFiles();
    private final PosixAcls acls = new PosixAcls();
    private final Deletions deletions;

    /** @param fileDeleted told of each file (not directory) a change deleted, once the change committed */
    public Namespace(EngineContext ctx, OpenFiles openFiles, LongConsumer fileDeleted) {
        this.ctx = ctx;
        this.openFiles = openFiles;
        this.deletions = new Deletions(ctx, fileDeleted);
    }

    /** Whether POSIX ACLs are enforced, and their rules. */
    public PosixAcls acls() {
        return acls;
    }

    /** The names of files libfuse hid while open, which path lookups must find too. */
    public HiddenFiles hiddenFiles() {
        return hiddenFiles;
    }

    /** Creates the root directory of a new volume; idempotent. */
    public static void ensureRoot(EngineContext ctx, int uid, int gid) {
        ctx.meta().write(w -> {
            if (w.inode(ROOT).isEmpty()) {
                Timestamp now = ctx.now();
                w.putInode(new Inode(ROOT, FileKind.DIRECTORY, 0755, uid, gid, 2, 0, 0, now, now, now, null));
                w.putEntry(ROOT, PARENT, ROOT);
                w.setCounter(NEXT_INODE, ROOT + 1);
                w.setCounter(INODES, 1);
            }
            return null;
        });
    }

    public Inode makeNode(MakeNode m) {
        return ctx.meta().write(w -> {
            long parentIno = m.parent().in(w);
            Inode parent = directory(w, parentIno);
            if (w.lookup(parentIno, m.name()).isPresent()) {
                throw new FsException(FsError.EXISTS, m.name() + " exists");
            }
            Timestamp now = ctx.now();
            long ino = w.addToCounter(NEXT_INODE, 1) - 1;
            PosixAcls.NewNode acl = acls.forNewNode(w, parentIno, m.kind(), m.mode() & Inode.PERMISSION_MASK, m.umask());
            int mode = acl.mode();
            int gid = m.gid();
            if ((parent.mode() & Inode.SET_GID) != 0) {
                // BSD group semantics on a set-group-ID directory: inherit its group, and its bit for subdirectories
                gid = parent.gid();
                if (m.kind() == FileKind.DIRECTORY) {
                    mode |= Inode.SET_GID;
                }
            }
            boolean dir = m.kind() == FileKind.DIRECTORY;
            long size = m.kind() == FileKind.SYMLINK ? io.tgcryptfs.fs.FileNames.encode(m.symlinkTarget()).length : 0;
            Inode inode = new Inode(ino, m.kind(), mode, m.uid(), gid, dir ? 2 : 1, size, m.rdev(), now, now, now,
                    m.symlinkTarget());
            w.putInode(inode);
            w.putEntry(parentIno, m.name(), ino);
            acl.xattrs().forEach((name, value) -> w.putXattr(ino, name, value));
            if (dir) {
                w.putEntry(ino, PARENT, parentIno);
            }
            touchParent(w, parent, dir ? 1 : 0, now);
            w.addToCounter(INODES, 1);
            return inode;
        });
    }

    /** Adds the name {@code newName} in {@code newParentDir} for the existing non-directory {@code source}. */
    public Inode link(Lookup source, Lookup newParentDir, String newName) {
        return ctx.meta().write(w -> {
            long ino = source.in(w);
            Inode inode = w.inode(ino).orElseThrow(() -> notFound("source"));
            if (inode.isDirectory()) {
                throw new FsException(FsError.NOT_PERMITTED, "cannot hard-link a directory");
            }
            if (inode.nlink() == 0) {
                throw new FsException(FsError.NOT_FOUND, "source was unlinked");
            }
            long newParent = newParentDir.in(w);
            Inode parent = directory(w, newParent);
            if (w.lookup(newParent, newName).isPresent()) {
                throw new FsException(FsError.EXISTS, newName + " exists");
            }
            Timestamp now = ctx.now();
            Inode linked = inode.withNlink(inode.nlink() + 1, now);
            w.putInode(linked);
            w.putEntry(newParent, newName, ino);
            touchParent(w, parent, 0, now);
            return linked;
        });
    }

    /** Removes the name of a non-directory; the inode goes with its last link, or at its last close if open. */
    public void unlink(Lookup parentDir, String name) {
        long[] hiddenIn = {-1};
        deletions.deleting((w, deleted) -> {
            long parentIno = parentDir.in(w);
            OptionalLong hidden = hiddenFiles.find(parentIno, name);
            if (hidden.isPresent()) {
                // libfuse removing its hidden name after the last close: the link went at hide time, and
                // the inode normally with its last handle (released); a file with other names keeps them
                hiddenIn[0] = parentIno;
                w.inode(hidden.getAsLong())
                        .filter(i -> i.nlink() == 0 && !openFiles.keepUnlinked(i.ino()))
                        .ifPresent(i -> deletions.purge(w, i, deleted));
                return Done.INSTANCE;
            }
            Inode parent = directory(w, parentIno);
            long ino = w.lookup(parentIno, name).orElseThrow(() -> notFound(name));
            Optional<Inode> found = w.inode(ino);
            if (found.isEmpty()) {
                // a hidden name whose inode was already deleted at its last close
                w.deleteEntry(parentIno, name);
                return Done.INSTANCE;
            }
            Inode inode = found.get();
            if (inode.isDirectory()) {
                throw new FsException(FsError.IS_DIRECTORY, name + " is a directory");
            }
            w.deleteEntry(parentIno, name);
            if (inode.nlink() == 0) {
                // a hidden name an earlier version kept in the metadata (HiddenNames.isHiddenEntry)
                if (!openFiles.keepUnlinked(ino)) {
                    deletions.purge(w, inode, deleted);
                }
                return Done.INSTANCE;
            }
            Timestamp now = ctx.now();
            touchParent(w, parent, 0, now);
            dropLink(w, inode, now, deleted);
            return Done.INSTANCE;
        });
        if (hiddenIn[0] >= 0) {
            hiddenFiles.remove(hiddenIn[0], name);
        }
    }

    /** Removes an empty directory. */
    public void removeDirectory(Lookup parentDir, String name) {
        ctx.meta().write(w -> {
            long parentIno = parentDir.in(w);
            if (name.equals(".")) {
                throw new FsException(FsError.INVALID, "cannot remove .");
            }
            Inode parent = directory(w, parentIno);
            long ino = w.lookup(parentIno, name).orElseThrow(() -> notFound(name));
            Inode dir = w.inode(ino).orElseThrow(() -> notFound(name));
            if (!dir.isDirectory()) {
                throw new FsException(FsError.NOT_DIRECTORY, name + " is not a directory");
            }
            requireEmpty(w, ino);
            Timestamp now = ctx.now();
            dropHiddenEntries(w, ino);
            w.deleteEntry(parentIno, name);
            w.deleteEntry(ino, PARENT);
            w.putInode(withParentChange(parent, -1, now));
            removeDirectoryInode(w, dir, now);
            return Done.INSTANCE;
        });
    }

    /**
     * Moves {@code oldName} in {@code oldParent} to {@code newName} in {@code newParent}, replacing what is there.
     *
     * @return whether a directory moved: the paths under its old name now name nothing, or other files
     */
    public boolean rename(Lookup oldParentDir, String oldName, Lookup newParentDir, String newName) {
        return rename(oldParentDir, oldName, newParentDir, newName, false);
    }

    /** As above; with {@code noReplace}, fails with EXISTS instead of replacing (renameat2's RENAME_NOREPLACE). */
    public boolean rename(Lookup oldParentDir, String oldName, Lookup newParentDir, String newName, boolean noReplace) {
        return deletions.deleting((w, deleted) -> {
            long oldParent = oldParentDir.in(w);
            long newParent = newParentDir.in(w);
            return rename(w, new Rename(oldParent, oldName, newParent, newName, noReplace), deleted);
        });
    }

    private record Rename(long oldParent, String oldName, long newParent, String newName, boolean noReplace) {
    }

    private boolean rename(MetaWriter w, Rename m, Deletions.Batch deleted) {
        Inode oldParent = directory(w, m.oldParent());
        Inode newParent = directory(w, m.newParent());
        long ino = w.lookup(m.oldParent(), m.oldName()).orElseThrow(() -> notFound(m.oldName()));
        Inode moving = w.inode(ino).orElseThrow(() -> notFound(m.oldName()));
        OptionalLong target = w.lookup(m.newParent(), m.newName());
        if (target.isPresent() && m.noReplace()) {
            throw new FsException(FsError.EXISTS, m.newName() + " exists");
        }
        if (target.isPresent() && target.getAsLong() == ino) {
            return false; // both names are links to the same file: POSIX says do nothing
        }
        if (target.isEmpty() && !moving.isDirectory() && moving.nlink() > 0 && openFiles.isOpen(ino)
                && HiddenNames.isHidden(m.newName())) {
            hide(w, oldParent, m, moving, deleted);
            return false;
        }
        if (moving.isDirectory() && m.newParent() != m.oldParent() && isAncestor(w, ino, m.newParent())) {
            throw new FsException(FsError.INVALID, "cannot move a directory into itself");
        }
        Timestamp now = ctx.now();
        if (target.isPresent()) {
            Inode replaced = w.inode(target.getAsLong()).orElseThrow(() -> notFound(m.newName()));
            if (moving.isDirectory() && !replaced.isDirectory()) {
                throw new FsException(FsError.NOT_DIRECTORY, m.newName() + " is not a directory");
            }
            if (!moving.isDirectory() && replaced.isDirectory()) {
                throw new FsException(FsError.IS_DIRECTORY, m.newName() + " is a directory");
            }
            if (replaced.isDirectory()) {
                requireEmpty(w, replaced.ino());
                dropHiddenEntries(w, replaced.ino());
                w.deleteEntry(replaced.ino(), PARENT);
                newParent = withParentChange(newParent, -1, now);
                removeDirectoryInode(w, replaced, now);
            } else {
                dropLink(w, replaced, now, deleted);
            }
        }
        w.deleteEntry(m.oldParent(), m.oldName());
        w.putEntry(m.newParent(), m.newName(), ino);
        int dirDelta = moving.isDirectory() ? 1 : 0;
        if (m.oldParent() == m.newParent()) {
            w.putInode(withParentChange(newParent, 0, now));
        } else {
            w.putInode(withParentChange(oldParent, -dirDelta, now));
            w.putInode(withParentChange(newParent, dirDelta, now));
            if (moving.isDirectory()) {
                w.putEntry(ino, PARENT, m.newParent());
            }
        }
        w.putInode(w.inode(ino).orElseThrow().withChanged(now));
        return moving.isDirectory();
    }

    /**
     * libfuse's unlink of an open file: it renames the file to a hidden name it keeps using until the
     * last close, then unlinks that name. For POSIX that is an unlink: the link count drops now (fstat
     * shows 0, or the count of the file's other names), the name disappears from listings and does not
     * keep its directory from being removed. The hidden name lives in {@link HiddenFiles} only (a
     * transaction that fails after this leaves a name there that libfuse never uses).
     */
    private void hide(MetaWriter w, Inode oldParent, Rename m, Inode moving, Deletions.Batch deleted) {
        Timestamp now = ctx.now();
        w.deleteEntry(m.oldParent(), m.oldName());
        hiddenFiles.hide(m.newParent(), m.newName(), moving.ino());
        touchParent(w, oldParent, 0, now);
        dropLink(w, moving, now, deleted);
    }

    /**
     * A directory holding nothing but hidden names goes. libfuse has no path to those names after it, so
     * never unlinks them: they are dropped here (from memory even if the transaction fails after this:
     * a name it later unlinks is then not found, and its file is deleted at its last close all the same).
     */
    private void dropHiddenEntries(MetaWriter w, long dir) {
        for (var entry : w.entries(dir, null, Integer.MAX_VALUE)) {
            if (!entry.name().equals(PARENT)) {
                w.deleteEntry(dir, entry.name()); // only hidden entries are left once requireEmpty passed
            }
        }
        hiddenFiles.dropDirectory(dir);
    }

    /** The last handle of {@code ino}, which lost its last name while open (a file or a directory), was closed: delete it. */
    public void released(long ino) {
        if (openFiles.isOpen(ino)) {
            return;
        }
        deletions.deleting((w, deleted) -> {
            w.inode(ino).filter(i -> i.nlink() == 0).ifPresent(i -> {
                if (i.isDirectory()) {
                    Deletions.purgeInode(ctx, w, i); // no bands to tell
                } else {
                    deletions.purge(w, i, deleted);
                }
            });
            return null;
        });
    }

    private void dropLink(MetaWriter w, Inode inode, Timestamp now, Deletions.Batch deleted) {
        Inode dropped = inode.withNlink(inode.nlink() - 1, now);
        if (dropped.nlink() > 0) {
            w.putInode(dropped);
        } else if (openFiles.keepUnlinked(inode.ino())) {
            w.putInode(dropped);
            w.addOrphan(inode.ino());
        } else {
            deletions.purge(w, dropped, deleted);
        }
    }

    /** A directory lost its name: deleted now, or, if open, kept unnamed (an orphan) until its last close. */
    private void removeDirectoryInode(MetaWriter w, Inode dir, Timestamp now) {
        if (openFiles.keepUnlinked(dir.ino())) {
            w.putInode(dir.withNlink(0, now));
            w.addOrphan(dir.ino());
        } else {
            Deletions.purgeInode(ctx, w, dir); // no bands to tell
        }
    }

    /**
     * Stores the parent of a changed entry with new times, unless only its times would change and by
     * less than a {@link TimeStep}: a burst of creates or unlinks in one directory then rewrites its
     * inode about once a step instead of every time, which saves a page of most commits.
     */
    private static void touchParent(MetaWriter w, Inode parent, int nlinkDelta, Timestamp now) {
        if (nlinkDelta == 0 && TimeStep.within(parent.mtime(), now) && TimeStep.within(parent.ctime(), now)) {
            return;
        }
        w.putInode(withParentChange(parent, nlinkDelta, now));
    }

    private static Inode withParentChange(Inode parent, int nlinkDelta, Timestamp now) {
        Inode p = parent.withModified(now);
        return nlinkDelta == 0 ? p : p.withNlink(p.nlink() + nlinkDelta, now);
    }

    private static Inode directory(MetaReader r, long ino) {
        Inode inode = r.inode(ino).orElseThrow(() -> new FsException(FsError.NOT_FOUND, "no directory " + ino));
        if (!inode.isDirectory()) {
            throw new FsException(FsError.NOT_DIRECTORY, "not a directory");
        }
        return inode;
    }

    private static void requireEmpty(MetaReader r, long dir) {
        String after = null;
        while (true) {
            List<io.tgcryptfs.fs.DirEntry> page = r.entries(dir, after, 64);
            for (var entry : page) {
                if (!entry.name().equals(PARENT) && !HiddenNames.isHiddenEntry(r, entry)) {
                    throw new FsException(FsError.NOT_EMPTY, "directory not empty");
                }
            }
            if (page.size() < 64) {
                return;
            }
            after = page.get(page.size() - 1).name();
        }
    }

    /** Whether {@code ancestor} is {@code dir} or lies above it. */
    private static boolean isAncestor(MetaReader r, long ancestor, long dir) {
        long current = dir;
        for (int depth = 0; depth < 100_000; depth++) {
            if (current == ancestor) {
                return true;
            }
            if (current == ROOT) {
                return false;
            }
            current = r.lookup(current, PARENT).orElse(ROOT);
        }
        throw new FsException(FsError.LOOP, "directory tree too deep");
    }

    private static FsException notFound(String what) {
        return new FsException(FsError.NOT_FOUND, what + " not found");
    }
}
