package io.tgcryptfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.Test;

class AttrValidityTest {
    private static final int ENTRY_OUT = 128;
    private static final int ATTR_OUT = 104;
    private static final int REGULAR = 0100644;
    private static final int DIRECTORY = 0040755;

    private final AttrValidity oneAndAHalfSeconds = new AttrValidity(1.5);

    @Test
    void lookupOfASingleLinkFile_becomesValidForTheConfiguredTime() {
        Pointer entry = entryOut(REGULAR, 1);
        assertTrue(oneAndAHalfSeconds.extend(Wire.LOOKUP, entry, ENTRY_OUT));
        assertEquals(1, entry.getLong(24), "attr_valid seconds");
        assertEquals(500_000_000, entry.getInt(36), "attr_valid_nsec");
        assertEquals(7, entry.getLong(16), "entry_valid untouched");
    }

    @Test
    void getattrOfAHardLinkedFile_isCachedToo_itIsOneKernelInode() {
        Pointer attr = attrOut(REGULAR, 2);
        assertTrue(oneAndAHalfSeconds.extend(Wire.GETATTR, attr, ATTR_OUT));
        assertEquals(1, attr.getLong(0));
        assertEquals(500_000_000, attr.getInt(8));
    }

    @Test
    void directoriesAreCachedWhateverTheirLinkCount() {
        Pointer attr = attrOut(DIRECTORY, 5);
        assertTrue(oneAndAHalfSeconds.extend(Wire.SETATTR, attr, ATTR_OUT));
        assertEquals(1, attr.getLong(0));
        Pointer entry = entryOut(DIRECTORY, 2);
        assertTrue(oneAndAHalfSeconds.extend(Wire.MKDIR, entry, ENTRY_OUT));
    }

    @Test
    void repliesWithoutAttributes_orTooShort_orWithCachingOff_areLeftAlone() {
        Pointer entry = entryOut(REGULAR, 1);
        assertFalse(oneAndAHalfSeconds.extend(15 /* READ */, entry, ENTRY_OUT));
        assertFalse(oneAndAHalfSeconds.extend(Wire.LOOKUP, entry, 120), "shorter than the attributes' end");
        assertFalse(new AttrValidity(0).extend(Wire.LOOKUP, entry, ENTRY_OUT));
        assertEquals(0, entry.getLong(24));
    }

    @Test
    void negativeValidity_isRefused() {
        assertThrows(IllegalArgumentException.class, () -> new AttrValidity(-1));
    }

    private static Pointer entryOut(int mode, int nlink) {
        Pointer p = Memory.allocateDirect(Runtime.getSystemRuntime(), ENTRY_OUT, true);
        p.putLong(0, 42); // nodeid
        p.putLong(16, 7); // entry_valid
        p.putInt(40 + 60, mode);
        p.putInt(40 + 64, nlink);
        return p;
    }

    private static Pointer attrOut(int mode, int nlink) {
        Pointer p = Memory.allocateDirect(Runtime.getSystemRuntime(), ATTR_OUT, true);
        p.putInt(16 + 60, mode);
        p.putInt(16 + 64, nlink);
        return p;
    }
}
