package io.tgcryptfs.gateway;

import io.tgcryptfs.chunk.ChunkStore;
import io.tgcryptfs.journal.LocalSync;
import io.tgcryptfs.engine.Band;
import io.tgcryptfs.engine.EngineContext;
import io.tgcryptfs.engine.EntityRegistry;
import io.tgcryptfs.engine.InodeAttributes;
import io.tgcryptfs.engine.Namespace;
import io.tgcryptfs.engine.OpenFiles;
import io.tgcryptfs.engine.TimeChange;
import io.tgcryptfs.engine.XattrMode;
import io.tgcryptfs.fs.FileKind;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.meta.MetaReader;
import io.tgcryptfs.meta.MetaStore;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * The synchronous facade FUSE calls: resolves paths and handles, asks the actors and waits for their
 * answers with a timeout (this package is the only place that blocks on actors; what it does by inode
 * number is {@link InodeGateway}). Reads of committed metadata (getattr, readdir,
 * getxattr) go straight to LMDB: every change is committed in one transaction, so a read transaction
 * always sees a consistent state. Name changes (create, link, unlink, rename, rmdir) run their one
 * write transaction right here on the FUSE thread, through {@link Namespace}: asking an actor to run
 * it and waiting would add two thread hand-offs and gain nothing.
 */
public final class FsGateway {
    /** The zeros of a zeroed range go to the bands a mebibyte at a time. */
    private static final int ZERO_PIECE = 1 << 20;
    private final FileData data;
    private final MetaStore meta;
    private final ChunkStore chunks;
    private final PathResolver paths;
    private final DirectoryListing listing;
    private final FileStats stats;
    private final InodeGateway byInode;
    private final Truncation truncation;
    private final Namespace namespace;
    private final ActorRef<EntityRegistry.Command> bands;
    private final OpenFiles openFiles;
    private final OpenHandles handles = new OpenHandles();
    private final long capacityBytes;

    public FsGateway(ActorSystem<?> system, EngineContext ctx, LocalSync localSync, Namespace namespace,
                     ActorRef<EntityRegistry.Command> inodes, ActorRef<EntityRegistry.Command> bands, OpenFiles openFiles,
                     Duration timeout, Duration dataTimeout, long capacityBytes, Executor prefetcher) {
        Asker asker = new Asker(system);
        InodeAttributes attributes = new InodeAttributes(ctx, namespace.acls());
        this.data = new FileData(asker, ctx, localSync, attributes, bands, dataTimeout, prefetcher);
        this.meta = ctx.meta();
        this.paths = new PathResolver(meta, namespace.hiddenFiles());
        this.listing = new DirectoryListing(meta, paths);
        this.chunks = ctx.chunks();
        this.namespace = namespace;
        this.bands = bands;
        this.openFiles = openFiles;
        this.stats = new FileStats(ctx.geometry(), ctx.dirtyRegions(), openFiles);
        this.truncation = new Truncation(data, asker, inodes, timeout);
        this.byInode = new InodeGateway(meta, attributes, stats, openFiles,
                new SparseSeek(meta, ctx.geometry(), openFiles, ctx.dirtyRegions()), truncation);
        this.capacityBytes = capacityBytes;
    }

    /** The same file system by inode number: for open files whose path libfuse lost, and what it has no operation for. */
    public InodeGateway byInode() {
        return byInode;
    }

    // ---- lookups -------------------------------------------------------------------------------

    public Inode getattr(String path) {
        return paths.read(path, FileStats::inode);
    }

    public Inode getattr(long handle) {
        long ino = handles.ino(handle);
        return meta.read(r -> FileStats.inode(r, ino));
    }

    /** getattr plus the bytes the file's stored blocks cover (st_blocks), in one snapshot. */
    public Stat stat(String path) {
        return paths.read(path, stats::stat);
    }

    public Stat stat(long handle) {
        return byInode.stat(handles.ino(handle));
    }

    /** Hands {@code path}'s entries to {@code sink} a page at a time ({@link DirectoryListing}). */
    public void readdir(String path, DirectoryListing.Sink sink) {
        listing.list(path, sink);
    }

    public String readlink(String path) {
        Inode inode = getattr(path);
        if (inode.kind() != FileKind.SYMLINK) {
            throw new FsException(FsError.INVALID, path + " is not a symlink");
        }
        return inode.symlinkTarget();
    }

    // ---- namespace -----------------------------------------------------------------------------

    // Paths are resolved inside the namespace's write transaction: one transaction instead of a read
    // followed by a write, and the directory found is the one changed.

    public Inode mknod(String path, FileKind kind, int mode, long rdev, Caller caller) {
        String[] pn = PathNames.split(path);
        return namespace.makeNode(new Namespace.MakeNode(paths.directory(pn[0]), pn[1], kind, mode, caller.uid(), caller.gid(), rdev, null,
                caller.umask()));
    }

    public Inode symlink(String target, String path, Caller caller) {
        String[] pn = PathNames.split(path);
        return namespace.makeNode(new Namespace.MakeNode(paths.directory(pn[0]), pn[1], FileKind.SYMLINK, 0777, caller.uid(), caller.gid(), 0, target,
                0));
    }

    public Inode link(String existing, String newPath) {
        String[] pn = PathNames.split(newPath);
        return namespace.link(paths.lookup(existing), paths.directory(pn[0]), pn[1]);
    }

    public void unlink(String path) {
        String[] pn = PathNames.split(path);
        namespace.unlink(paths.directory(pn[0]), pn[1]);
    }

    public void rmdir(String path) {
        String[] pn = PathNames.split(path);
        namespace.removeDirectory(paths.directory(pn[0]), pn[1]);
        paths.directoryMoved();
    }

    public void rename(String from, String to) {
        rename(from, to, false);
    }

    /** @param noReplace fail with EXISTS when {@code to} exists (renameat2's RENAME_NOREPLACE) */
    public void rename(String from, String to, boolean noReplace) {
        String[] a = PathNames.split(from);
        String[] b = PathNames.split(to);
        if (namespace.rename(paths.directory(a[0]), a[1], paths.directory(b[0]), b[1], noReplace)) {
            paths.directoryMoved();
        }
    }

    // ---- attributes ----------------------------------------------------------------------------

    /** @param ctime as for {@link #setTimes(String, TimeChange, TimeChange, TimeChange)} */
    public Inode chmod(String path, int mode, TimeChange ctime) {
        return byInode.chmod(ino(path), mode, ctime);
    }

    /** @param ctime as for {@link #setTimes(String, TimeChange, TimeChange, TimeChange)} */
    public Inode chown(String path, int uid, int gid, TimeChange ctime) {
        return byInode.chown(ino(path), uid, gid, ctime);
    }

    /** A write or truncate the kernel says its caller may not keep set-id bits through (see InodeAttributes). */
    public void dropSetId(String path, Caller caller) {
        byInode.dropSetId(ino(path), caller);
    }

    public void dropSetId(long handle, Caller caller) {
        byInode.dropSetId(handles.ino(handle), caller);
    }

    /** As utimensat when {@code ctime} is {@link TimeChange.Now}; see {@code InodeAttributes.setTimes}. */
    public Inode setTimes(String path, TimeChange atime, TimeChange mtime, TimeChange ctime) {
        return byInode.setTimes(ino(path), atime, mtime, ctime);
    }

    public Inode setTimes(long handle, TimeChange atime, TimeChange mtime, TimeChange ctime) {
        return byInode.setTimes(handles.ino(handle), atime, mtime, ctime);
    }

    public Inode truncate(String path, long size) {
        return byInode.truncate(ino(path), size);
    }

    public Inode ftruncate(long handle, long size) {
        return byInode.truncate(handles.ino(handle), size);
    }

    /**
     * fallocate's size change: as {@link #ftruncate}, but with {@link WriteTimes#SENT_BY_KERNEL} the times
     * stay: the kernel moves them itself, and sends them, if they changed, when it writes the inode back.
     * Set here, they would differ from what the kernel shows until a remount (SyscallOracleIT found it).
     */
    public void allocate(long handle, long size, WriteTimes times) {
        truncation.truncate(handles.ino(handle), size, times == WriteTimes.SENT_BY_KERNEL);
    }

    /**
     * Zeros {@code [from, to)} of an open file (fallocate's hole punching and zeroing), with the times
     * moved as by a write: written as zeros, which seal to holes that store nothing.
     */
    public void zeroRange(long handle, long from, long to, WriteTimes times) {
        OpenHandle open = handles.get(handle);
        for (long at = from; at < to; ) {
            int n = (int) Math.min(ZERO_PIECE, to - at);
            open.wrote();
            data.write(open.ino, at, new byte[n], times);
            at += n;
        }
    }

    // ---- xattrs --------------------------------------------------------------------------------

    public void setxattr(String path, String name, byte[] value, XattrMode mode) {
        byInode.setxattr(ino(path), name, value, mode);
    }

    public byte[] getxattr(String path, String name) {
        PathNames.checked(name);
        return paths.read(path, (r, ino) -> InodeGateway.xattr(r, ino, name));
    }

    public List<String> listxattr(String path) {
        return paths.read(path, MetaReader::xattrNames);
    }

    public void removexattr(String path, String name) {
        byInode.removexattr(ino(path), name);
    }

    // ---- file data -----------------------------------------------------------------------------

    /** Opens a file for reading and writing. */
    public long open(String path) {
        return open(path, true);
    }

    /** @param writable whether the handle may write (the kernel's writeback cache may then hold writes) */
    public long open(String path, boolean writable) {
        return newHandle(ino(path), writable);
    }

    /**
     * Opens a directory: counted as open, so that removing it while open keeps its inode, unnamed, until
     * {@link #release} (an fstat or fchmod of the descriptor goes on working, as on ext4).
     */
    public long opendir(String path) {
        return newHandle(paths.read(path, (r, ino) -> {
            if (!FileStats.inode(r, ino).isDirectory()) {
                throw new FsException(FsError.NOT_DIRECTORY, path + " is not a directory");
            }
            return ino;
        }), false);
    }

    /** Creates a regular file and opens it. */
    public long create(String path, int mode, Caller caller) {
        Inode inode = mknod(path, FileKind.REGULAR, mode, 0, caller);
        return newHandle(inode.ino(), true);
    }

    private long newHandle(long ino, boolean writable) {
        openFiles.opened(ino, writable);
        return handles.add(ino, writable);
    }

    /**
     * Reads up to {@code length} bytes at {@code offset} into {@code out[0, n)} and returns n, which is
     * less than {@code length} only at the end of the file.
     */
    public int read(long handle, long offset, byte[] out, int length) {
        return data.read(handles.ino(handle), offset, out, length);
    }

    /** As above, into a new array of the bytes read. */
    public byte[] read(long handle, long offset, int length) {
        byte[] out = new byte[Math.max(0, length)];
        int n = read(handle, offset, out, length);
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    /** As below, with a copy of {@code bytes}: the caller keeps its array. */
    public void write(long handle, long offset, byte[] bytes) {
        write(handle, offset, bytes.clone(), WriteTimes.MOVED_BY_WRITE);
    }

    /**
     * Writes {@code bytes}, which are handed over: the bands may keep the array itself (a whole block of
     * a stream), so the caller never touches it again.
     */
    public void write(long handle, long offset, byte[] bytes, WriteTimes times) {
        OpenHandle open = handles.get(handle);
        open.wrote(); // before the bands hold the data: a close racing this write must seal it
        data.write(open.ino, offset, bytes, times);
    }

    /**
     * fsync: the file's data and all metadata durable on local disk, without sealing anything: the
     * file's changed blocks go to the write journal, which is forced. Upload follows asynchronously.
     */
    public void fsync(long handle) {
        data.fsync(handles.ino(handle));
    }

    /** Seals every dirty block of every file and makes it durable (sync, unmount). */
    public void syncAll() {
        data.syncAll();
    }

    /** Drops the marks of files whose every byte is sealed or journaled by now (UnbackedFiles). */
    public void sweepUnbacked() {
        data.sweepUnbacked();
    }

    /**
     * Seals everything written so far and holds writes off until the returned release runs, so a
     * restore point's view of the metadata sees every written byte (see {@code backup.WriteBarrier}).
     */
    public Runnable sealAndHoldWrites() throws InterruptedException {
        return data.sealAndHoldWrites();
    }

    /** Nanoseconds writes waited for restore points' captures so far (a metric). */
    public long writesHeldNanos() {
        return data.writesHeldNanos();
    }

    /** close(2): reports a write of the file that failed after it returned (see {@link WriteBehind}). */
    public void flush(long handle) {
        data.flush(handles.ino(handle));
    }

    /**
     * Seals what this handle wrote that no fsync journaled, and deletes the file if this was its last
     * handle and it lost its last name while open. Closing a file that was neither written nor unlinked
     * does no more than forget the handle.
     */
    public void release(long handle) {
        OpenHandle open = handles.remove(handle);
        long ino = open.ino;
        if (open.hasWritten()) {
            bands.tell(new EntityRegistry.GroupBroadcast<Band.Command>(ino, Band.Closed.INSTANCE));
        }
        if (openFiles.released(ino, open.writable)) {
            namespace.released(ino);
        }
    }

    /** The kernel enforces POSIX ACLs from now on; the file system keeps modes and ACLs in step ({@code PosixAcls}). */
    public void enforcePosixAcls() {
        namespace.acls().enforce();
    }

    /**
     * The configured capacity, or twice what is used once that is more: the backend has no fixed size,
     * and a volume shown full (as it was once it held the capacity) makes Time Machine and other
     * programs that look at free space refuse to write.
     */
    public FsStats statfs() {
        long[] counts = meta.read(r -> new long[] {r.counter(ChunkStore.STORED_BYTES), r.counter(Namespace.INODES)});
        long used = counts[0] + meta.usedBytes();
        return new FsStats(Math.max(capacityBytes, 2 * used), used, counts[1], Math.max(1L << 32, counts[1] * 2), PathNames.MAX_NAME_BYTES);
    }

    public ChunkStore chunks() {
        return chunks;
    }

    // ---- helpers -------------------------------------------------------------------------------

    private long ino(String path) {
        return paths.read(path, (r, ino) -> ino);
    }
}
