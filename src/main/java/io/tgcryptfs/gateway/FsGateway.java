package io.tgcryptfs.gateway;

import io.tgcryptfs.chunk.BlockGeometry;
import io.tgcryptfs.chunk.ChunkStore;
import io.tgcryptfs.journal.LocalSync;
import io.tgcryptfs.engine.Band;
import io.tgcryptfs.engine.DirtyRegions;
import io.tgcryptfs.engine.EngineContext;
import io.tgcryptfs.engine.EntityRegistry;
import io.tgcryptfs.engine.FsResult;
import io.tgcryptfs.engine.InodeAttributes;
import io.tgcryptfs.engine.Namespace;
import io.tgcryptfs.engine.OpenFiles;
import io.tgcryptfs.engine.OpenInode;
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
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.japi.function.Function;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The synchronous facade FUSE calls: resolves paths, asks the actors and waits for their answers with
 * a timeout. The only place that blocks on actors. Reads of committed metadata (getattr, readdir,
 * getxattr) go straight to LMDB: every change is committed in one transaction, so a read transaction
 * always sees a consistent state. Name changes (create, link, unlink, rename, rmdir) run their one
 * write transaction right here on the FUSE thread, through {@link Namespace}: asking an actor to run
 * it and waiting would add two thread hand-offs and gain nothing.
 */
public final class FsGateway {
    /** The zeros of a zeroed range go to the bands a mebibyte at a time. */
    private static final int ZERO_PIECE = 1 << 20;
    private final Asker asker;
    private final FileData data;
    private final MetaStore meta;
    private final ChunkStore chunks;
    private final BlockGeometry geometry;
    private final PathResolver paths;
    private final DirectoryListing listing;
    private final SparseSeek sparse;
    private final Namespace namespace;
    private final InodeAttributes attributes;
    private final ActorRef<EntityRegistry.Command> inodes;
    private final ActorRef<EntityRegistry.Command> bands;
    private final OpenFiles openFiles;
    private final DirtyRegions dirtyRegions;
    private final Duration timeout;
    private final long capacityBytes;
    private final AtomicLong nextHandle = new AtomicLong(1);
    private final ConcurrentHashMap<Long, OpenHandle> handles = new ConcurrentHashMap<>();

    public FsGateway(ActorSystem<?> system, EngineContext ctx, LocalSync localSync, Namespace namespace,
                     ActorRef<EntityRegistry.Command> inodes, ActorRef<EntityRegistry.Command> bands, OpenFiles openFiles,
                     Duration timeout, Duration dataTimeout, long capacityBytes, Executor prefetcher) {
        this.asker = new Asker(system);
        this.attributes = new InodeAttributes(ctx, namespace.acls());
        this.data = new FileData(asker, ctx, localSync, attributes, bands, dataTimeout, prefetcher);
        this.meta = ctx.meta();
        this.paths = new PathResolver(meta, namespace.hiddenFiles());
        this.listing = new DirectoryListing(meta, paths);
        this.chunks = ctx.chunks();
        this.geometry = ctx.geometry();
        this.namespace = namespace;
        this.inodes = inodes;
        this.bands = bands;
        this.openFiles = openFiles;
        this.dirtyRegions = ctx.dirtyRegions();
        this.sparse = new SparseSeek(meta, geometry, openFiles, dirtyRegions);
        this.timeout = timeout;
        this.capacityBytes = capacityBytes;
    }

    // ---- lookups -------------------------------------------------------------------------------

    public Inode getattr(String path) {
        return paths.read(path, FsGateway::inode);
    }

    public Inode getattr(long handle) {
        long ino = inoOf(handle);
        return meta.read(r -> inode(r, ino));
    }

    /** getattr plus the bytes the file's stored blocks cover (st_blocks), in one snapshot. */
    public Stat stat(String path) {
        return paths.read(path, this::stat);
    }

    public Stat stat(long handle) {
        long ino = inoOf(handle);
        return meta.read(r -> stat(r, ino));
    }

    /**
     * The stored bytes count as allocated (holes do not, as du expects), and so do the blocks the file's
     * bands hold unsealed: a sparse file being written shows the blocks written, not its size (cp and
     * rsync take a file whose blocks cover its size for a full one and fill the copy's holes). A file that
     * may hold data not stored yet never shows none: GNU tar --sparse archives a file of zero blocks as
     * all holes without reading it, and did here. While the file is open, that data may be in the
     * kernel's page cache, where the writeback cache keeps it without a word to us and serves stat from
     * attributes it was sent earlier: so an open file shows at least one byte in every reply, from its
     * CREATE on.
     */
    private Stat stat(MetaReader r, long ino) {
        Inode inode = inode(r, ino);
        if (!inode.isRegular()) {
            return new Stat(inode, inode.size());
        }
        long stored = ChunkStore.storedBlocks(r, ino) * geometry.blockSize();
        // a look over the dirty bands, only for a file its stored blocks do not cover (stat is hot)
        long unsealed = stored >= inode.size() ? 0 : dirtyRegions.unsealedBlocks(ino) * geometry.blockSize();
        long allocated = Math.min(inode.size(), stored + unsealed);
        return new Stat(inode, allocated == 0 && openFiles.isOpen(ino) ? 1 : allocated);
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

    /** Whether directory {@code dir} holds {@code name}. */
    public boolean named(long dir, String name) {
        return meta.read(r -> r.lookup(dir, name).isPresent());
    }

    // ---- attributes ----------------------------------------------------------------------------

    /** @param ctime as for {@link #setTimes(String, TimeChange, TimeChange, TimeChange)} */
    public Inode chmod(String path, int mode, TimeChange ctime) {
        return attributes.chmod(ino(path), mode, ctime);
    }

    /** @param ctime as for {@link #setTimes(String, TimeChange, TimeChange, TimeChange)} */
    public Inode chown(String path, int uid, int gid, TimeChange ctime) {
        return attributes.chown(ino(path), uid, gid, ctime);
    }

    /** A write or truncate the kernel says its caller may not keep set-id bits through (see InodeAttributes). */
    public void dropSetId(String path, Caller caller) {
        attributes.dropSetId(ino(path), caller.gid());
    }

    public void dropSetId(long handle, Caller caller) {
        attributes.dropSetId(inoOf(handle), caller.gid());
    }

    /** As utimensat when {@code ctime} is {@link TimeChange.Now}; see {@code InodeAttributes.setTimes}. */
    public Inode setTimes(String path, TimeChange atime, TimeChange mtime, TimeChange ctime) {
        return attributes.setTimes(ino(path), atime, mtime, ctime);
    }

    public Inode setTimes(long handle, TimeChange atime, TimeChange mtime, TimeChange ctime) {
        return attributes.setTimes(inoOf(handle), atime, mtime, ctime);
    }

    public Inode truncate(String path, long size) {
        return truncateInode(ino(path), size);
    }

    public Inode ftruncate(long handle, long size) {
        return truncateInode(inoOf(handle), size);
    }

    /**
     * fallocate's size change: as {@link #ftruncate}, but with {@link WriteTimes#SENT_BY_KERNEL} the times
     * stay: the kernel moves them itself, and sends them, if they changed, when it writes the inode back.
     * Set here, they would differ from what the kernel shows until a remount (SyscallOracleIT found it).
     */
    public void allocate(long handle, long size, WriteTimes times) {
        truncateInode(inoOf(handle), size, times == WriteTimes.SENT_BY_KERNEL);
    }

    /**
     * Zeros {@code [from, to)} of an open file (fallocate's hole punching and zeroing), with the times
     * moved as by a write: written as zeros, which seal to holes that store nothing.
     */
    public void zeroRange(long handle, long from, long to, WriteTimes times) {
        OpenHandle open = handleOf(handle);
        for (long at = from; at < to; ) {
            int n = (int) Math.min(ZERO_PIECE, to - at);
            open.wrote();
            data.write(open.ino, at, new byte[n], times);
            at += n;
        }
    }

    // ---- an open file by its inode number -------------------------------------------------------
    // libfuse 2 reaches files by path, and loses the path of an open file whose names are gone once its
    // directory is removed or replaced; the adapter then serves fstat and the attribute changes the
    // kernel sends for it (a chmod, the times it flushes at fsync and close, xattrs) by inode number.

    /** Whether {@code ino} is open: only then does it outlive its names. */
    public boolean isOpen(long ino) {
        return openFiles.isOpen(ino);
    }

    public Stat statInode(long ino) {
        return meta.read(r -> stat(r, ino));
    }

    public Inode chmodInode(long ino, int mode, TimeChange ctime) {
        return attributes.chmod(ino, mode, ctime);
    }

    public Inode chownInode(long ino, int uid, int gid, TimeChange ctime) {
        return attributes.chown(ino, uid, gid, ctime);
    }

    public void dropSetIdInode(long ino, Caller caller) {
        attributes.dropSetId(ino, caller.gid());
    }

    public Inode setTimesInode(long ino, TimeChange atime, TimeChange mtime, TimeChange ctime) {
        return attributes.setTimes(ino, atime, mtime, ctime);
    }

    public void setxattrInode(long ino, String name, byte[] value, XattrMode mode) {
        PathNames.checked(name);
        attributes.setXattr(ino, name, value, mode);
    }

    public byte[] getxattrInode(long ino, String name) {
        PathNames.checked(name);
        return meta.read(r -> xattr(r, ino, name));
    }

    public List<String> listxattrInode(long ino) {
        return meta.read(r -> r.xattrNames(ino));
    }

    public void removexattrInode(long ino, String name) {
        PathNames.checked(name);
        attributes.removeXattr(ino, name);
    }

    public Inode truncateInode(long ino, long size) {
        return truncateInode(ino, size, false);
    }

    private Inode truncateInode(long ino, long size, boolean keepTimes) {
        Inode.checkSize(size);
        data.flushBands(ino);
        return askInode(ino, r -> new OpenInode.Truncate(size, keepTimes, r));
    }

    // ---- xattrs --------------------------------------------------------------------------------

    public void setxattr(String path, String name, byte[] value, XattrMode mode) {
        PathNames.checked(name);
        setxattrInode(ino(path), name, value, mode);
    }

    public byte[] getxattr(String path, String name) {
        PathNames.checked(name);
        return paths.read(path, (r, ino) -> xattr(r, ino, name));
    }

    public List<String> listxattr(String path) {
        return paths.read(path, MetaReader::xattrNames);
    }

    public void removexattr(String path, String name) {
        PathNames.checked(name);
        removexattrInode(ino(path), name);
    }

    private static byte[] xattr(MetaReader r, long ino, String name) {
        return r.xattr(ino, name).orElseThrow(() -> new FsException(FsError.NO_ATTRIBUTE, "no xattr " + name));
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
            if (!inode(r, ino).isDirectory()) {
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
        long handle = nextHandle.getAndIncrement();
        openFiles.opened(ino, writable);
        handles.put(handle, new OpenHandle(ino, writable));
        return handle;
    }

    /**
     * Reads up to {@code length} bytes at {@code offset} into {@code out[0, n)} and returns n, which is
     * less than {@code length} only at the end of the file.
     */
    public int read(long handle, long offset, byte[] out, int length) {
        return data.read(inoOf(handle), offset, out, length);
    }

    /** As above, into a new array of the bytes read. */
    public byte[] read(long handle, long offset, int length) {
        byte[] out = new byte[Math.max(0, length)];
        int n = read(handle, offset, out, length);
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    public void write(long handle, long offset, byte[] bytes) {
        write(handle, offset, bytes, WriteTimes.MOVED_BY_WRITE);
    }

    public void write(long handle, long offset, byte[] bytes, WriteTimes times) {
        OpenHandle open = handleOf(handle);
        open.wrote(); // before the bands hold the data: a close racing this write must seal it
        data.write(open.ino, offset, bytes, times);
    }

    /**
     * lseek's SEEK_DATA ({@code data}) or SEEK_HOLE from {@code offset} in open file {@code ino}
     * ({@link SparseSeek}).
     */
    public long seek(long ino, long offset, boolean data) {
        return sparse.seek(ino, offset, data);
    }

    /**
     * fsync: the file's data and all metadata durable on local disk, without sealing anything: the
     * file's changed blocks go to the write journal, which is forced. Upload follows asynchronously.
     */
    public void fsync(long handle) {
        data.fsync(inoOf(handle));
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
        data.flush(inoOf(handle));
    }

    /**
     * Seals what this handle wrote that no fsync journaled, and deletes the file if this was its last
     * handle and it lost its last name while open. Closing a file that was neither written nor unlinked
     * does no more than forget the handle.
     */
    public void release(long handle) {
        OpenHandle open = handles.remove(handle);
        if (open == null) {
            throw new FsException(FsError.BAD_HANDLE, "unknown handle " + handle);
        }
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

    private long inoOf(long handle) {
        return handleOf(handle).ino;
    }

    private OpenHandle handleOf(long handle) {
        OpenHandle open = handles.get(handle);
        if (open == null) {
            throw new FsException(FsError.BAD_HANDLE, "unknown handle " + handle);
        }
        return open;
    }

    private static Inode inode(MetaReader r, long ino) {
        return r.inode(ino).orElseThrow(() -> new FsException(FsError.NOT_FOUND, "inode " + ino + " is gone"));
    }

    private <T> T askInode(long ino, Function<ActorRef<FsResult<T>>, OpenInode.Command> question) {
        CompletableFuture<FsResult<T>> answer = askFuture(inodes, r -> new EntityRegistry.Deliver<>(ino, question.apply(r)));
        return await(answer).orThrow();
    }

    private <Q, R> CompletableFuture<R> askFuture(RecipientRef<Q> target, Function<ActorRef<R>, Q> question) {
        return asker.ask(target, question, timeout);
    }

    private <R> R await(CompletableFuture<R> future) {
        return asker.await(future, timeout);
    }

}
