package io.tgcryptfs.chunk;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One open pack file, read by many threads at once: small reads copy from a read-only mapping of the
 * file, larger ones use positional reads. A 4 KiB random read of a cached pack paid about a tenth of its
 * time for the {@code pread} (syscall, a bounce through a direct buffer); from the mapping it is one copy
 * (fio 4 KiB random reads 29,000 -> 33,500 IOPS here). Large reads keep {@code pread}: the kernel's
 * readahead serves a cold sequential reader better than page faults do, and pages a mapping touched
 * count in the process's resident size.
 *
 * <p>Unmapping a region a reader is still copying from would crash the JVM, so readers hold the file
 * ({@link #acquire}/{@link #release}) and the mappings go only when it is closed and the last reader has
 * left. A pack still being appended to is mapped as far as it reached; a read past that maps it again
 * once it has grown by a step, the old mapping kept until the file is freed.
 *
 * <p>Pack files only grow while tgcryptfs runs ({@code Outbox.recover} cuts an open pack back before the
 * first read). A file cut short under its mapping by something else (SIGBUS) makes HotSpot raise an
 * {@link InternalError} shortly after the copy, at a point no caller can catch reliably (the FUSE adapter
 * answers it with EIO); whatever the copy left in the buffer fails the frame's authentication, so no
 * wrong data is ever returned.
 */
final class PackFile {
    /** Reads of at most this many bytes go through the mapping. */
    static final int SMALL_READ = 64 << 10;
    /** A growing pack is mapped again once it has grown by this much past the mapping. */
    private static final long REMAP_STEP = 1 << 20;
    private static final int CLOSED = 1 << 30;

    private final FileChannel channel;
    /** Readers inside, plus {@link #CLOSED} once closed. */
    private final AtomicInteger state = new AtomicInteger();
    private volatile MappedByteBuffer mapping;
    /** Mappings replaced by a larger one, unmapped with the file. */
    private final List<MappedByteBuffer> retired = new ArrayList<>();
    private boolean freed;

    PackFile(FileChannel channel) {
        this.channel = channel;
    }

    /** Enters as a reader; false once the file is closed (open it again). */
    boolean acquire() {
        while (true) {
            int s = state.get();
            if ((s & CLOSED) != 0) {
                return false;
            }
            if (state.compareAndSet(s, s + 1)) {
                return true;
            }
        }
    }

    /** Leaves; the last reader out of a closed file frees it. */
    void release() {
        if (state.decrementAndGet() == CLOSED) {
            free();
        }
    }

    /** No new readers; freed now if none is inside, else when the last leaves. */
    void close() {
        int s = state.getAndUpdate(v -> v | CLOSED);
        if ((s & CLOSED) == 0 && s == 0) {
            free();
        }
    }

    /**
     * Fills {@code out} from {@code offset} (the caller holds the file).
     *
     * @throws PackCache.ShortCopy the file ends first
     */
    void read(byte[] out, long offset) throws IOException {
        if (out.length <= SMALL_READ) {
            MappedByteBuffer m = mappingCovering(offset + out.length);
            if (m != null) {
                m.get((int) offset, out, 0, out.length);
                return;
            }
        }
        ByteBuffer buf = ByteBuffer.wrap(out);
        long pos = offset;
        while (buf.hasRemaining()) {
            int n = channel.read(buf, pos);
            if (n < 0) {
                throw new PackCache.ShortCopy(channel.size(), offset + out.length);
            }
            pos += n;
        }
    }

    /** A mapping reaching {@code end}, mapping (again) if the file does by now; null if it does not. */
    private MappedByteBuffer mappingCovering(long end) throws IOException {
        MappedByteBuffer m = mapping;
        if (m != null && end <= m.capacity()) {
            return m;
        }
        synchronized (this) {
            m = mapping;
            if (m != null && end <= m.capacity()) {
                return m;
            }
            long size = channel.size();
            if (end > size || size > Integer.MAX_VALUE || (m != null && size < m.capacity() + REMAP_STEP)) {
                return null;
            }
            if (m != null) {
                retired.add(m);
            }
            mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            return mapping;
        }
    }

    private synchronized void free() {
        if (freed) {
            return;
        }
        freed = true;
        if (mapping != null) {
            retired.add(mapping);
            mapping = null;
        }
        retired.forEach(Unmapper::unmap);
        retired.clear();
        try {
            channel.close();
        } catch (IOException ignored) {
            // read-only: nothing was buffered
        }
    }

    /**
     * Gives a mapping's address space back now rather than when the collector finds its buffer: a deleted
     * or evicted pack's disk space stays taken while a mapping of it lives.
     */
    private static final class Unmapper {
        private static final Object UNSAFE;
        private static final java.lang.reflect.Method INVOKE_CLEANER;

        static {
            Object unsafe = null;
            java.lang.reflect.Method invoke = null;
            try {
                Class<?> c = Class.forName("sun.misc.Unsafe");
                Field f = c.getDeclaredField("theUnsafe");
                f.setAccessible(true);
                unsafe = f.get(null);
                invoke = c.getMethod("invokeCleaner", ByteBuffer.class);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // without it the collector unmaps
            }
            UNSAFE = unsafe;
            INVOKE_CLEANER = invoke;
        }

        static void unmap(MappedByteBuffer m) {
            if (INVOKE_CLEANER == null) {
                return;
            }
            try {
                INVOKE_CLEANER.invoke(UNSAFE, m);
            } catch (ReflectiveOperationException e) {
                // left to the collector
            }
        }
    }
}
