package io.tgcryptfs.fuse;

import jnr.ffi.Struct;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.FuseOperations;

import java.lang.reflect.Method;

/** What jnr-fuse's struct models leave out or make costly, reached by offset. */
final class JnrFuseStructs {
    /** libfuse 2.9 fuse_operations flags: nullpath_ok (bit 0) and utime_omit_ok (bit 2). */
    private static final int FLAG_NULLPATH_OK = 1;
    private static final int FLAG_UTIME_OMIT_OK = 4;

    private JnrFuseStructs() {
    }

    /**
     * jnr-fuse models these bitfields as padding; set by hand, libfuse passes a NULL path for
     * unlinked-but-open files (the handle is used) and hands UTIME_NOW/UTIME_OMIT through.
     */
    static void allowNullPathsAndUtimeOmit(FuseOperations operations) {
        Struct.getMemory(operations).putInt(flagsOffset(operations), FLAG_NULLPATH_OK | FLAG_UTIME_OMIT_OK);
    }

    /**
     * Where fuse_file_info holds the handle. The hottest calls read it there: jnr-fuse's wrapper builds a
     * FuseFileInfo struct for every call (a reflective layout of eight fields, a twentieth of a small
     * read's time) to read one field.
     */
    static long handleOffset() {
        return FuseFileInfo.of(jnr.ffi.Memory.allocateDirect(jnr.ffi.Runtime.getSystemRuntime(), 64)).fh.offset();
    }

    private static long flagsOffset(FuseOperations operations) {
        return offsetOf(operations, "flag_nullpath_ok");
    }

    /** The offset in fuse_operations of jnr-fuse's field {@code field} (a callback, the flags). */
    static long offsetOf(FuseOperations operations, String field) {
        try {
            Object member = operations.getClass().getField(field).get(operations);
            Method offset = findMethod(member.getClass(), "offset");
            offset.setAccessible(true);
            return ((Number) offset.invoke(member)).longValue();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot locate fuse_operations." + field + " in jnr-fuse", e);
        }
    }

    private static Method findMethod(Class<?> type, String name) throws NoSuchMethodException {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                if (m.getName().equals(name) && m.getParameterCount() == 0) {
                    return m;
                }
            }
        }
        throw new NoSuchMethodException(name);
    }
}
