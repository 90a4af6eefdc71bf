package io.tgcryptfs.gateway;

import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The handles open, create and opendir hand out, each naming one inode until it is released. */
final class OpenHandles {
    private final AtomicLong next = new AtomicLong(1);
    private final ConcurrentHashMap<Long, OpenHandle> handles = new ConcurrentHashMap<>();

    long add(long ino, boolean writable) {
        long handle = next.getAndIncrement();
        handles.put(handle, new OpenHandle(ino, writable));
        return handle;
    }

    OpenHandle get(long handle) {
        OpenHandle open = handles.get(handle);
        if (open == null) {
            throw unknown(handle);
        }
        return open;
    }

    long ino(long handle) {
        return get(handle).ino;
    }

    OpenHandle remove(long handle) {
        OpenHandle open = handles.remove(handle);
        if (open == null) {
            throw unknown(handle);
        }
        return open;
    }

    private static FsException unknown(long handle) {
        return new FsException(FsError.BAD_HANDLE, "unknown handle " + handle);
    }
}
