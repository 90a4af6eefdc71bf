package io.tgcryptfs.fuse;

import io.tgcryptfs.fs.FileNames;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.mapper.FromNativeConverter;
import jnr.ffi.provider.jffi.ClosureHelper;
import jnr.ffi.types.dev_t;
import jnr.ffi.types.gid_t;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.uid_t;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.FuseOperations;
import ru.serce.jnrfuse.struct.Timespec;

import java.util.ArrayList;
import java.util.List;

/**
 * The callbacks that take names, installed over jnr-fuse's so that names arrive as their bytes. jnr
 * turns a C string into a Java one with the JVM's default charset: names not UTF-8 were replaced (two
 * became one, and the second create overwrote the first), and under a C locale (a service, cron,
 * {@code env -i}) every non-ASCII name. Here each name is decoded one to one ({@link FileNames}) before
 * {@link TgcryptFuse} sees it; names going back (readdir, readlink, listxattr) are encoded the same way
 * there. Calls that carry a handle keep jnr-fuse's callbacks: they never use the path.
 */
final class RawNames {
    public interface PathCall {
        @Delegate
        int call(Pointer path);
    }

    public interface PathPointerCall {
        @Delegate
        int call(Pointer path, Pointer p);
    }

    public interface PathModeCall {
        @Delegate
        int call(Pointer path, @mode_t long mode);
    }

    public interface PathIntCall {
        @Delegate
        int call(Pointer path, int mask);
    }

    public interface MknodCall {
        @Delegate
        int call(Pointer path, @mode_t long mode, @dev_t long rdev);
    }

    public interface ChownCall {
        @Delegate
        int call(Pointer path, @uid_t long uid, @gid_t long gid);
    }

    public interface TruncateCall {
        @Delegate
        int call(Pointer path, @off_t long size);
    }

    public interface PathBufferCall {
        @Delegate
        int call(Pointer path, Pointer buf, @size_t long size);
    }

    public interface CreateCall {
        @Delegate
        int call(Pointer path, @mode_t long mode, Pointer fi);
    }

    public interface ReaddirCall {
        @Delegate
        int call(Pointer path, Pointer buf, Pointer filler, @off_t long offset, Pointer fi);
    }

    public interface SetxattrCall {
        @Delegate
        int call(Pointer path, Pointer name, Pointer value, @size_t long size, int flags);
    }

    public interface GetxattrCall {
        @Delegate
        int call(Pointer path, Pointer name, Pointer value, @size_t long size);
    }

    /** Held so the closures outlive every call libfuse makes through them. */
    private final List<Object> closures = new ArrayList<>();
    private final Runtime runtime = Runtime.getSystemRuntime();
    private final FuseOperations operations;

    private RawNames(FuseOperations operations) {
        this.operations = operations;
    }

    static RawNames install(FuseOperations ops, TgcryptFuse fs) {
        RawNames raw = new RawNames(ops);
        raw.set("getattr", PathPointerCall.class, (PathPointerCall) (p, stat) -> fs.getattr(name(p), FileStat.of(stat)));
        raw.set("readlink", PathBufferCall.class, (PathBufferCall) (p, buf, size) -> fs.readlink(name(p), buf, size));
        raw.set("mknod", MknodCall.class, (MknodCall) (p, mode, rdev) -> fs.mknod(name(p), mode, rdev));
        raw.set("mkdir", PathModeCall.class, (PathModeCall) (p, mode) -> fs.mkdir(name(p), mode));
        raw.set("unlink", PathCall.class, (PathCall) p -> fs.unlink(name(p)));
        raw.set("rmdir", PathCall.class, (PathCall) p -> fs.rmdir(name(p)));
        raw.set("symlink", PathPointerCall.class, (PathPointerCall) (target, p) -> fs.symlink(name(target), name(p)));
        raw.set("rename", PathPointerCall.class, (PathPointerCall) (from, to) -> fs.rename(name(from), name(to)));
        raw.set("link", PathPointerCall.class, (PathPointerCall) (from, to) -> fs.link(name(from), name(to)));
        raw.set("chmod", PathModeCall.class, (PathModeCall) (p, mode) -> fs.chmod(name(p), mode));
        raw.set("chown", ChownCall.class, (ChownCall) (p, uid, gid) -> fs.chown(name(p), uid, gid));
        raw.set("truncate", TruncateCall.class, (TruncateCall) (p, size) -> fs.truncate(name(p), size));
        raw.set("open", PathPointerCall.class, (PathPointerCall) (p, fi) -> fs.open(name(p), FuseFileInfo.of(fi)));
        raw.set("create", CreateCall.class, (CreateCall) (p, mode, fi) -> fs.create(name(p), mode, FuseFileInfo.of(fi)));
        raw.set("opendir", PathPointerCall.class, (PathPointerCall) (p, fi) -> fs.opendir(name(p), FuseFileInfo.of(fi)));
        raw.set("readdir", ReaddirCall.class, (ReaddirCall) (p, buf, filler, offset, fi) ->
                fs.readdir(name(p), buf, fillDir(filler), offset, FuseFileInfo.of(fi)));
        raw.set("access", PathIntCall.class, (PathIntCall) (p, mask) -> fs.access(name(p), mask));
        raw.set("utimens", PathPointerCall.class, (PathPointerCall) (p, times) -> {
            Timespec atime = Timespec.of(times);
            return fs.utimens(name(p), new Timespec[] {atime, Timespec.of(times.slice(Struct.size(atime)))});
        });
        raw.set("setxattr", SetxattrCall.class, (SetxattrCall) (p, n, value, size, flags) ->
                fs.setxattr(name(p), name(n), value, size, flags));
        raw.set("getxattr", GetxattrCall.class, (GetxattrCall) (p, n, value, size) -> fs.getxattr(name(p), name(n), value, size));
        raw.set("listxattr", PathBufferCall.class, (PathBufferCall) (p, list, size) -> fs.listxattr(name(p), list, size));
        raw.set("removexattr", PathPointerCall.class, (PathPointerCall) (p, n) -> fs.removexattr(name(p), name(n)));
        return raw;
    }

    /** A C string's name, or null for libfuse's NULL path (a file it has no path for). */
    static String name(Pointer cString) {
        if (cString == null) {
            return null;
        }
        byte[] bytes = new byte[cString.indexOf(0, (byte) 0)];
        cString.get(0, bytes, 0, bytes.length);
        return FileNames.decode(bytes);
    }

    private static FuseFillDir fillDir(Pointer filler) {
        ClosureHelper helper = ClosureHelper.getInstance();
        FromNativeConverter<FuseFillDir, Pointer> converter = helper.getNativeConveter(FuseFillDir.class);
        return converter.fromNative(filler, helper.getFromNativeContext());
    }

    private <T> void set(String field, Class<T> type, T callback) {
        closures.add(callback);
        Pointer function = runtime.getClosureManager().getClosurePointer(type, callback);
        Struct.getMemory(operations).putPointer(JnrFuseStructs.offsetOf(operations, field), function);
    }
}
