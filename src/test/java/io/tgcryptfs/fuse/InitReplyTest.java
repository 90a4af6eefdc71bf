package io.tgcryptfs.fuse;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class InitReplyTest {
    private final Runtime runtime = Runtime.getSystemRuntime();

    /** An INIT request as the kernel sends it: in-header (40 bytes), then major, minor, readahead, flags. */
    private Pointer request(int flags) {
        Pointer p = Memory.allocateDirect(runtime, 104);
        p.putInt(4, Wire.INIT);
        p.putInt(40, 7);
        p.putInt(44, 45);
        p.putInt(52, flags);
        return p;
    }

    @Test
    void addsOnlyWhatTheKernelOffers_andLargerRequestsOnlyWhenMoreThanLibfusesIsWanted() {
        int both = InitReply.MAX_PAGES_FLAG | InitReply.KILLPRIV_V2_FLAG;
        Pointer offers = request(both | 1);
        assertEquals(both, new InitReply(runtime, new InitReply.Wanted(1 << 20, false)).flagsToAdd(offers, 104));
        assertEquals(InitReply.KILLPRIV_V2_FLAG, new InitReply(runtime, new InitReply.Wanted(128 * 1024, false)).flagsToAdd(offers, 104),
                "128 KiB is libfuse's own");
        assertEquals(0, new InitReply(runtime, new InitReply.Wanted(1 << 20, false)).flagsToAdd(request(1), 104), "an old kernel");
        assertEquals(0, new InitReply(runtime, new InitReply.Wanted(1 << 20, false)).flagsToAdd(offers, 50), "a request too short to be an INIT");
    }

    @Test
    void asksForTheWritebackCache_onlyWhenWanted_andOffered() {
        int all = InitReply.MAX_PAGES_FLAG | InitReply.KILLPRIV_V2_FLAG | InitReply.WRITEBACK_CACHE_FLAG;
        assertEquals(all, new InitReply(runtime, new InitReply.Wanted(1 << 20, true)).flagsToAdd(request(all | 1), 104));
        assertEquals(all & ~InitReply.WRITEBACK_CACHE_FLAG,
                new InitReply(runtime, new InitReply.Wanted(1 << 20, false)).flagsToAdd(request(all | 1), 104), "not wanted");
        assertEquals(InitReply.MAX_PAGES_FLAG | InitReply.KILLPRIV_V2_FLAG,
                new InitReply(runtime, new InitReply.Wanted(1 << 20, true))
                        .flagsToAdd(request(InitReply.MAX_PAGES_FLAG | InitReply.KILLPRIV_V2_FLAG), 104), "not offered");
    }

    @Test
    void asksForPosixAclsAndDontMask_together_onlyWhenWantedAndBothOffered_andSaysWhenGranted() {
        java.util.concurrent.atomic.AtomicInteger granted = new java.util.concurrent.atomic.AtomicInteger();
        InitReply wanting = new InitReply(runtime, new InitReply.Wanted(128 * 1024, false, () -> { }, true, granted::incrementAndGet));
        int offered = InitReply.KILLPRIV_V2_FLAG | InitReply.POSIX_ACL_FLAGS;
        assertEquals(offered, wanting.flagsToAdd(request(offered), 104));
        assertEquals(InitReply.KILLPRIV_V2_FLAG, wanting.flagsToAdd(request(InitReply.KILLPRIV_V2_FLAG | 1 << 20), 104),
                "ACLs without DONT_MASK: the umask would be applied under default ACLs");
        assertEquals(InitReply.KILLPRIV_V2_FLAG, new InitReply(runtime, new InitReply.Wanted(128 * 1024, false))
                .flagsToAdd(request(offered), 104), "not wanted");

        wanting.patch(runtime, libfusesReply(), InitReply.KILLPRIV_V2_FLAG);
        assertEquals(0, granted.get());
        wanting.patch(runtime, libfusesReply(), offered);
        assertEquals(1, granted.get());
    }

    @Test
    void patch_keepsLibfusesAnswer_andRaisesTheLargestRequest() {
        Pointer iov = libfusesReply();

        new InitReply(runtime, new InitReply.Wanted(1 << 20, false)).patch(runtime, iov, InitReply.MAX_PAGES_FLAG | InitReply.KILLPRIV_V2_FLAG);

        int address = runtime.addressSize();
        Pointer patched = iov.getPointer(16);
        assertEquals(64, iov.getLong(16 + address), "the 64-byte layout that holds max_pages");
        assertEquals(16 + 64, iov.getPointer(0).getInt(0));
        assertEquals(19, patched.getInt(4), "libfuse's protocol version stays");
        assertEquals(128 * 1024, patched.getInt(8));
        assertEquals(0x31 | InitReply.MAX_PAGES_FLAG | InitReply.KILLPRIV_V2_FLAG, patched.getInt(12));
        assertEquals(12, patched.getShort(16));
        assertEquals(1 << 20, patched.getInt(20));
        assertEquals(256, patched.getShort(28));
        assertEquals(0, patched.getInt(32), "no flags2");
    }

    @Test
    void patch_saysWhenTheWritebackCacheIsGranted_andOnlyThen() {
        java.util.concurrent.atomic.AtomicInteger granted = new java.util.concurrent.atomic.AtomicInteger();
        InitReply reply = new InitReply(runtime, new InitReply.Wanted(1 << 20, true, granted::incrementAndGet));

        reply.patch(runtime, libfusesReply(), InitReply.KILLPRIV_V2_FLAG);
        assertEquals(0, granted.get(), "asked for, not offered: the kernel keeps no file times");

        reply.patch(runtime, libfusesReply(), InitReply.KILLPRIV_V2_FLAG | InitReply.WRITEBACK_CACHE_FLAG);
        assertEquals(1, granted.get());
    }

    @Test
    void patch_withoutLargerRequests_keepsLibfusesLargestRequest() {
        Pointer iov = libfusesReply();

        new InitReply(runtime, new InitReply.Wanted(128 * 1024, false)).patch(runtime, iov, InitReply.KILLPRIV_V2_FLAG);

        Pointer patched = iov.getPointer(16);
        assertEquals(0x31 | InitReply.KILLPRIV_V2_FLAG, patched.getInt(12));
        assertEquals(128 * 1024, patched.getInt(20));
        assertEquals(0, patched.getShort(28), "no max_pages");
    }

    @Test
    void patch_withTheWritebackCache_namesTheProtocolWhoseSetattrCarriesCtime() {
        Pointer iov = libfusesReply();

        new InitReply(runtime, new InitReply.Wanted(1 << 20, true)).patch(runtime, iov,
                InitReply.KILLPRIV_V2_FLAG | InitReply.WRITEBACK_CACHE_FLAG);

        Pointer patched = iov.getPointer(16);
        assertEquals(InitReply.CTIME_MINOR, patched.getInt(4));
        assertEquals(1, patched.getInt(24), "times to the nanosecond");
        assertEquals(0x31 | InitReply.KILLPRIV_V2_FLAG | InitReply.WRITEBACK_CACHE_FLAG, patched.getInt(12));
    }

    @Test
    void patch_withoutTheWritebackCache_keepsLibfusesProtocol() {
        Pointer iov = libfusesReply();

        new InitReply(runtime, new InitReply.Wanted(1 << 20, true)).patch(runtime, iov, InitReply.KILLPRIV_V2_FLAG);

        Pointer patched = iov.getPointer(16);
        assertEquals(19, patched.getInt(4));
        assertEquals(0, patched.getInt(24), "no time granularity");
    }

    /** libfuse 2's reply: out-header (16 bytes), then a 24-byte fuse_init_out of protocol 7.19, as an iovec array. */
    private Pointer libfusesReply() {
        Pointer header = Memory.allocateDirect(runtime, 16);
        header.putInt(0, 16 + 24);
        Pointer out = Memory.allocateDirect(runtime, 24);
        out.putInt(0, 7);
        out.putInt(4, 19);
        out.putInt(8, 128 * 1024);
        out.putInt(12, 0x31);
        out.putShort(16, (short) 12);
        out.putInt(20, 128 * 1024);
        int address = runtime.addressSize();
        Pointer iov = Memory.allocateDirect(runtime, 2L * (address + 8));
        iov.putPointer(0, header);
        iov.putLong(address, 16);
        iov.putPointer(16, out);
        iov.putLong(16 + address, 24);
        return iov;
    }
}
