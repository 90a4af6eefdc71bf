package io.tgcryptfs.fuse;

import io.tgcryptfs.config.Settings;
import io.tgcryptfs.engine.TimeChange;
import io.tgcryptfs.fs.FileKind;
import io.tgcryptfs.fs.FileNames;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.fs.Timestamp;
import io.tgcryptfs.gateway.Caller;
import io.tgcryptfs.gateway.FsGateway;
import io.tgcryptfs.gateway.FsStats;
import io.tgcryptfs.gateway.WriteTimes;
import io.tgcryptfs.metrics.Metrics;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import ru.serce.jnrfuse.FuseCallbacks;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseContext;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * The jnr-fuse adapter: every callback parses its arguments, makes one gateway call, fills the struct
 * and returns 0 or the errno of the error's meaning, each run through {@link FuseCalls} (measured, and
 * logged once here at the edge when unexpected).
 */
public final class TgcryptFuse extends FuseStubFS {
    private static final long UTIME_NOW = (1L << 30) - 1;
    private static final long UTIME_OMIT = (1L << 30) - 2;
    /** open(2)'s access mode bits, and the mode of a handle that cannot write. */
    private static final int O_ACCMODE = 3;
    private static final int O_RDONLY = 0;
    private static final int FALLOC_FL_KEEP_SIZE = 1;
    private static final int FALLOC_FL_PUNCH_HOLE = 2;
    private static final int FALLOC_FL_ZERO_RANGE = 0x10;

    /**
     * Threads serving FUSE requests: enough for reads, writes and Samba's clients to overlap while some
     * wait for a download or the dirty budget (libfuse's own loop allowed up to 10 idle ones).
     */
    private static final int WORKERS = 12;
    /** Reads and writes larger than this go to the gateway in pieces of it (G1's humongous objects). */
    private static final int PIECE = 256 * 1024;
    /**
     * Each worker's buffer for the pieces of a read, filled by the gateway and copied into libfuse's: a
     * fresh array per piece cost its allocation and zeroing on every read.
     */
    private static final ThreadLocal<byte[]> READ_PIECE = ThreadLocal.withInitial(() -> new byte[PIECE]);

    private final FsGateway gateway;
    private final FuseCalls calls;
    private final int blockSize;
    private final Runnable onMounted;
    private final AttrValidity attrValidity;
    private final long readAheadBytes;
    private final int maxRequestBytes;
    private final boolean writebackCache;
    private final boolean posixAcls;
    /** Who moves a file's times on a write: the kernel once it granted the writeback cache. */
    private volatile WriteTimes writeTimes = WriteTimes.MOVED_BY_WRITE;
    /** Where fuse_file_info holds the handle: read and write take it from there (see the constructor). */
    private final long handleOffset;
    /** Held so the closures outlive every call libfuse makes through them. */
    private final FuseCallbacks.ReadCallback readByHandle;
    private final FuseCallbacks.WriteCallback writeByHandle;
    /** The callbacks that take names as bytes, held for as long as libfuse may call them. */
    private final RawNames rawNames;
    private final ByInodeRequests byInode;

    /** @param options the attribute timeout and readahead come from here (the rest are mount options) */
    public TgcryptFuse(FsGateway gateway, Metrics metrics, int blockSize, Settings.Fuse options, Runnable onMounted) {
        this.gateway = gateway;
        this.blockSize = blockSize;
        this.calls = new FuseCalls(metrics);
        this.byInode = new ByInodeRequests(gateway.byInode(), blockSize, calls);
        this.onMounted = onMounted;
        this.attrValidity = new AttrValidity(options.attrTimeout());
        this.readAheadBytes = options.readAheadBytes();
        this.maxRequestBytes = options.maxRequestBytes();
        this.writebackCache = options.writebackCache();
        // the kernel turns default_permissions on with ACLs: only asked for where it is on anyway
        this.posixAcls = options.posixAcls() && options.defaultPermissions();
        JnrFuseStructs.allowNullPathsAndUtimeOmit(fuseOperations);
        this.handleOffset = JnrFuseStructs.handleOffset();
        this.readByHandle = (path, buf, size, offset, fi) -> readHandle(fi.getLong(handleOffset), buf, size, offset);
        this.writeByHandle = (path, buf, size, offset, fi) -> writeHandle(fi.getLong(handleOffset), buf, size, offset);
        fuseOperations.read.set(readByHandle);
        fuseOperations.write.set(writeByHandle);
        this.rawNames = RawNames.install(fuseOperations, this);
    }

    /**
     * A blocking mount serves requests on {@link FuseLoop}'s Java threads instead of libfuse's native ones
     * (see there why); a non-blocking one is left to jnr-fuse.
     */
    @Override
    public void mount(java.nio.file.Path mountPoint, boolean blocking, boolean debug, String[] fuseOpts) {
        if (!blocking) {
            super.mount(mountPoint, false, debug, fuseOpts);
            return;
        }
        if (!mounted.compareAndSet(false, true)) {
            throw new ru.serce.jnrfuse.FuseException("already mounted");
        }
        this.mountPoint = mountPoint;
        List<String> args = new java.util.ArrayList<>(List.of(getFSName(), "-f"));
        if (debug) {
            args.add("-d");
        }
        args.add(mountPoint.toAbsolutePath().toString());
        args.addAll(List.of(fuseOpts));
        Thread unmountAtExit = new Thread(this::umount, "tgcryptfs-unmount-at-exit");
        Runtime.getRuntime().addShutdownHook(unmountAtExit);
        try {
            if (FuseLoop.run(args.toArray(String[]::new), fuseOperations, WORKERS, attrValidity,
                    new InitReply.Wanted(maxRequestBytes, writebackCache,
                    () -> writeTimes = WriteTimes.SENT_BY_KERNEL, posixAcls, gateway::enforcePosixAcls), byInode,
                    () -> ReadAhead.apply(mountPoint, readAheadBytes)) != 0) {
                throw new ru.serce.jnrfuse.FuseException("Unable to mount FS");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ru.serce.jnrfuse.FuseException("interrupted while serving the mount", e);
        } finally {
            mounted.set(false);
            try {
                Runtime.getRuntime().removeShutdownHook(unmountAtExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to: nothing to remove
            }
        }
    }

    @Override
    public Pointer init(Pointer conn) {
        onMounted.run();
        return null;
    }

    @Override
    public int getattr(String path, FileStat stat) {
        return run("getattr", () -> {
            dropSetIdForOwnership(path);
            Timestamp ctime = KernelCtime.take();
            if (ctime != null) {
                gateway.setTimes(requirePath(path), TimeChange.Omit.INSTANCE, TimeChange.Omit.INSTANCE,
                        new TimeChange.At(ctime));
            }
            StatFiller.fill(gateway.stat(path), stat, blockSize);
            return 0;
        });
    }

    @Override
    public int fgetattr(String path, FileStat stat, FuseFileInfo fi) {
        return run("fgetattr", () -> {
            dropSetIdForOwnership(path);
            Timestamp ctime = KernelCtime.take();
            if (ctime != null) {
                gateway.setTimes(fi.fh.get(), TimeChange.Omit.INSTANCE, TimeChange.Omit.INSTANCE,
                        new TimeChange.At(ctime));
            }
            StatFiller.fill(gateway.stat(fi.fh.get()), stat, blockSize);
            return 0;
        });
    }

    @Override
    public int opendir(String path, FuseFileInfo fi) {
        return run("opendir", () -> {
            fi.fh.set(gateway.opendir(path));
            return 0;
        });
    }

    @Override
    public int releasedir(String path, FuseFileInfo fi) {
        return run("releasedir", () -> {
            gateway.release(fi.fh.get());
            return 0;
        });
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filler, long offset, FuseFileInfo fi) {
        return run("readdir", () -> {
            FileStat stat = new FileStat(jnr.ffi.Runtime.getSystemRuntime());
            gateway.readdir(path, e -> {
                stat.st_ino.set(e.inode().ino());
                stat.st_mode.set(e.inode().kind().typeBits() | e.inode().mode());
                return filler.apply(buf, cString(e.name()), Struct.getMemory(stat), 0) == 0;
            });
            return 0;
        });
    }

    @Override
    public int readlink(String path, Pointer buf, long size) {
        return run("readlink", () -> {
            byte[] target = FileNames.encode(gateway.readlink(path));
            int n = (int) Math.min(target.length, size - 1);
            buf.put(0, target, 0, n);
            buf.putByte(n, (byte) 0);
            return 0;
        });
    }

    @Override
    public int mknod(String path, long mode, long rdev) {
        return run("mknod", () -> {
            gateway.mknod(path, FileKind.fromMode(mode), (int) mode, rdev, caller());
            return 0;
        });
    }

    @Override
    public int mkdir(String path, long mode) {
        return run("mkdir", () -> {
            gateway.mknod(path, FileKind.DIRECTORY, (int) mode, 0, caller());
            return 0;
        });
    }

    @Override
    public int symlink(String target, String path) {
        return run("symlink", () -> {
            gateway.symlink(target, path, caller());
            return 0;
        });
    }

    @Override
    public int link(String existing, String newPath) {
        return run("link", () -> {
            gateway.link(existing, newPath);
            return 0;
        });
    }

    @Override
    public int unlink(String path) {
        return run("unlink", () -> {
            gateway.unlink(path);
            return 0;
        });
    }

    @Override
    public int rmdir(String path) {
        return run("rmdir", () -> {
            gateway.rmdir(path);
            return 0;
        });
    }

    @Override
    public int rename(String from, String to) {
        return run("rename", () -> {
            gateway.rename(from, to, RenameFlags.noReplace());
            return 0;
        });
    }

    @Override
    public int chmod(String path, long mode) {
        return run("chmod", () -> {
            gateway.chmod(requirePath(path), (int) mode & Inode.PERMISSION_MASK, KernelCtime.current());
            return 0;
        });
    }

    @Override
    public int chown(String path, long uid, long gid) {
        return run("chown", () -> {
            gateway.chown(requirePath(path), (int) uid, (int) gid, KernelCtime.current());
            return 0;
        });
    }

    @Override
    public int truncate(String path, long size) {
        return run("truncate", () -> {
            if (SetIdRequest.take() == SetIdRequest.Drop.FOR_DATA) {
                gateway.dropSetId(requirePath(path), caller());
            }
            gateway.truncate(requirePath(path), size);
            return 0;
        });
    }

    @Override
    public int ftruncate(String path, long size, FuseFileInfo fi) {
        return run("ftruncate", () -> {
            if (SetIdRequest.take() == SetIdRequest.Drop.FOR_DATA) {
                gateway.dropSetId(fi.fh.get(), caller());
            }
            gateway.ftruncate(fi.fh.get(), size);
            return 0;
        });
    }

    @Override
    public int utimens(String path, Timespec[] timespec) {
        return run("utimens", () -> {
            gateway.setTimes(requirePath(path), timeChange(timespec[0]), timeChange(timespec[1]), KernelCtime.current());
            return 0;
        });
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        return run("open", () -> {
            fi.fh.set(gateway.open(path, (fi.flags.get() & O_ACCMODE) != O_RDONLY));
            return 0;
        });
    }

    @Override
    public int create(String path, long mode, FuseFileInfo fi) {
        return run("create", () -> {
            fi.fh.set(gateway.create(path, (int) mode, caller()));
            return 0;
        });
    }

    @Override
    public int read(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        return readHandle(fi.fh.get(), buf, size, offset);
    }

    private int readHandle(long handle, Pointer buf, long size, long offset) {
        return run("read", () -> {
            // in pieces: a 1 MiB array is a humongous object for G1 at this heap size
            byte[] piece = READ_PIECE.get();
            int done = 0;
            while (done < size) {
                int want = (int) Math.min(PIECE, size - done);
                int n = gateway.read(handle, offset + done, piece, want);
                buf.put(done, piece, 0, n);
                done += n;
                if (n < want) {
                    break; // the end of the file
                }
            }
            return done;
        });
    }

    @Override
    public int write(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        return writeHandle(fi.fh.get(), buf, size, offset);
    }

    private int writeHandle(long handle, Pointer buf, long size, long offset) {
        return run("write", () -> {
            if (SetIdRequest.take() == SetIdRequest.Drop.FOR_DATA) {
                gateway.dropSetId(handle, caller());
            }
            for (int done = 0; done < size; ) {
                // pieces end at multiples of PIECE in the file: a stream's pieces are then whole blocks,
                // which the bands keep as they are instead of copying (the default block is one piece)
                long room = PIECE - Math.floorMod(offset + done, (long) PIECE);
                byte[] data = new byte[(int) Math.min(room, size - done)];
                buf.get(done, data, 0, data.length);
                gateway.write(handle, offset + done, data, writeTimes);
                done += data.length;
            }
            return (int) size;
        });
    }

    @Override
    public int flush(String path, FuseFileInfo fi) {
        return run("flush", () -> {
            gateway.flush(fi.fh.get());
            return 0;
        });
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        return run("release", () -> {
            gateway.release(fi.fh.get());
            return 0;
        });
    }

    @Override
    public int fsync(String path, int isdatasync, FuseFileInfo fi) {
        return run("fsync", () -> {
            gateway.fsync(fi.fh.get());
            return 0;
        });
    }

    @Override
    public int fsyncdir(String path, FuseFileInfo fi) {
        return run("fsyncdir", () -> {
            gateway.syncAll();
            return 0;
        });
    }

    @Override
    public int fallocate(String path, int mode, long offset, long length, FuseFileInfo fi) {
        return run("fallocate", () -> {
            if ((mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) != 0) {
                throw new FsException(FsError.NOT_SUPPORTED, "fallocate mode " + mode);
            }
            long handle = fi.fh.get();
            long end = offset + length;
            long size = gateway.getattr(handle).size();
            if ((mode & FALLOC_FL_KEEP_SIZE) == 0 && size < end) {
                gateway.allocate(handle, end, writeTimes); // what lies past the old size reads as zeros already
            }
            if ((mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) != 0) {
                gateway.zeroRange(handle, offset, Math.min(end, size), writeTimes);
            }
            return 0;
        });
    }

    @Override
    public int statfs(String path, Statvfs stbuf) {
        return run("statfs", () -> {
            FsStats s = gateway.statfs();
            long unit = 4096;
            long blocks = s.capacityBytes() / unit;
            long free = Math.max(0, (s.capacityBytes() - s.usedBytes()) / unit);
            stbuf.f_bsize.set(unit);
            stbuf.f_frsize.set(unit);
            stbuf.f_blocks.set(blocks);
            stbuf.f_bfree.set(free);
            stbuf.f_bavail.set(free);
            stbuf.f_files.set(s.maxInodes());
            stbuf.f_ffree.set(s.maxInodes() - s.inodes());
            stbuf.f_favail.set(s.maxInodes() - s.inodes());
            stbuf.f_namemax.set(s.maxNameLength());
            return 0;
        });
    }

    @Override
    public int setxattr(String path, String name, Pointer value, long size, int flags) {
        return run("setxattr", () -> {
            byte[] bytes = new byte[(int) size];
            value.get(0, bytes, 0, bytes.length);
            gateway.setxattr(requirePath(path), name, bytes, XattrWire.mode(flags));
            return 0;
        });
    }

    @Override
    public int getxattr(String path, String name, Pointer value, long size) {
        return run("getxattr", () -> {
            return XattrWire.copyOut(gateway.getxattr(requirePath(path), name), value, size);
        });
    }

    @Override
    public int listxattr(String path, Pointer list, long size) {
        return run("listxattr", () -> {
            return XattrWire.copyOut(XattrWire.joinNames(gateway.listxattr(requirePath(path))), list, size);
        });
    }

    @Override
    public int removexattr(String path, String name) {
        return run("removexattr", () -> {
            gateway.removexattr(requirePath(path), name);
            return 0;
        });
    }

    @Override
    public int access(String path, int mask) {
        return run("access", () -> {
            gateway.getattr(path);
            return 0;
        });
    }

    private int run(String op, Callable<Integer> call) {
        return calls.run(op, call);
    }

    /**
     * A SETATTR that changes nothing is a chown naming neither id, which drops set-id bits on Linux; the
     * kernel leaves that to us ({@link SetIdRequest}) and libfuse only calls getattr for it.
     */
    private void dropSetIdForOwnership(String path) {
        if (SetIdRequest.take() == SetIdRequest.Drop.FOR_OWNERSHIP && path != null) {
            gateway.chown(path, -1, -1, KernelCtime.current());
        }
    }

    private Caller caller() {
        FuseContext context = getContext();
        return new Caller(context.uid.intValue(), context.gid.intValue(), context.pid.intValue(), context.umask.intValue());
    }

    private static String requirePath(String path) {
        if (path == null) {
            throw new FsException(FsError.NOT_FOUND, "the file was unlinked");
        }
        return path;
    }

    private static TimeChange timeChange(Timespec t) {
        long nanos = t.tv_nsec.longValue();
        if (nanos == UTIME_NOW) {
            return TimeChange.Now.INSTANCE;
        }
        if (nanos == UTIME_OMIT) {
            return TimeChange.Omit.INSTANCE;
        }
        return new TimeChange.At(new Timestamp(t.tv_sec.get(), (int) nanos));
    }

    /** A name as the NUL-terminated bytes libfuse takes. */
    private static java.nio.ByteBuffer cString(String name) {
        byte[] bytes = FileNames.encode(name);
        return java.nio.ByteBuffer.allocate(bytes.length + 1).put(bytes).put((byte) 0).flip();
    }
}
