package io.tgcryptfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.tgcryptfs.engine.TimeChange;
import io.tgcryptfs.fs.Timestamp;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.Test;

class KernelCtimeTest {
    private static final int FATTR_MTIME = 1 << 5;
    private static final int FATTR_CTIME = 1 << 10;

    /** A SETATTR: in-header (40 bytes), then fuse_setattr_in (88) with valid, ctime and ctimensec. */
    private static Pointer setattr(int valid, long seconds, int nanos) {
        Pointer p = Memory.allocateDirect(Runtime.getSystemRuntime(), 128, true);
        p.putInt(4, Wire.SETATTR);
        p.putInt(40, valid);
        p.putLong(40 + 48, seconds);
        p.putInt(40 + 64, nanos);
        return p;
    }

    @Test
    void aSetattrCarryingCtime_isNotedOnce() {
        KernelCtime.note(setattr(FATTR_MTIME | FATTR_CTIME, 1_700_000_000L, 123), 128, Wire.SETATTR);
        assertEquals(new Timestamp(1_700_000_000L, 123), KernelCtime.take());
        assertNull(KernelCtime.take(), "a later callback of the same request");
    }

    @Test
    void everyChangeOfTheRequest_seesTheCtime_untilTaken() {
        KernelCtime.note(setattr(FATTR_CTIME, 1_700_000_000L, 7), 128, Wire.SETATTR);
        TimeChange at = new TimeChange.At(new Timestamp(1_700_000_000L, 7));
        assertEquals(at, KernelCtime.current(), "the chmod");
        assertEquals(at, KernelCtime.current(), "the chown after it");
        assertEquals(new Timestamp(1_700_000_000L, 7), KernelCtime.take(), "the getattr of the reply");
        assertSame(TimeChange.Now.INSTANCE, KernelCtime.current());
        KernelCtime.note(setattr(FATTR_MTIME, 1_700_000_000L, 7), 128, Wire.SETATTR);
        assertSame(TimeChange.Now.INSTANCE, KernelCtime.current(), "a request setting no ctime");
    }

    @Test
    void withoutTheFlag_orAnotherRequest_orOutOfRangeNanos_nothingIsNoted() {
        KernelCtime.note(setattr(FATTR_MTIME, 1_700_000_000L, 0), 128, Wire.SETATTR);
        assertNull(KernelCtime.take());
        KernelCtime.note(setattr(FATTR_CTIME, 1_700_000_000L, 0), 128, 3);
        assertNull(KernelCtime.take(), "a GETATTR");
        KernelCtime.note(setattr(FATTR_CTIME, 1_700_000_000L, 1_000_000_000), 128, Wire.SETATTR);
        assertNull(KernelCtime.take());
        KernelCtime.note(setattr(FATTR_CTIME, 1_700_000_000L, 0), 100, Wire.SETATTR);
        assertNull(KernelCtime.take(), "too short to hold the ctime");
    }
}
