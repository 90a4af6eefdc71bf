package io.tgcryptfs.fuse;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SetIdRequestTest {
    private static final int FATTR_MODE = 1;
    private static final int FATTR_UID = 1 << 1;
    private static final int FATTR_SIZE = 1 << 3;
    private static final int FATTR_FH = 1 << 6;
    private static final int FATTR_KILL_SUIDGID = 1 << 11;
    private final Runtime runtime = Runtime.getSystemRuntime();

    /** A request: in-header (40 bytes, opcode at 4), then {@code word} at {@code at} past the header. */
    private Pointer request(int opcode, int at, int word) {
        Pointer p = Memory.allocateDirect(runtime, 128);
        p.putInt(4, opcode);
        p.putInt(40 + at, word);
        return p;
    }

    private SetIdRequest.Drop noted(Pointer request, int opcode) {
        SetIdRequest.note(request, 128, opcode);
        return SetIdRequest.take();
    }

    @Test
    void aWriteFlaggedByTheKernel_dropsForData_andAnUnflaggedOneDoesNot() {
        assertEquals(SetIdRequest.Drop.FOR_DATA, noted(request(Wire.WRITE, 20, 1 << 2), Wire.WRITE));
        assertEquals(SetIdRequest.Drop.NONE, noted(request(Wire.WRITE, 20, 1), Wire.WRITE),
                "a page cache write-back, from a caller with CAP_FSETID");
    }

    @Test
    void aSetattr_dropsForDataOnAFlaggedTruncate_forOwnershipWhenItChangesNothing() {
        int setattr = Wire.SETATTR;
        assertEquals(SetIdRequest.Drop.FOR_DATA, noted(request(setattr, 0, FATTR_SIZE | FATTR_KILL_SUIDGID), setattr));
        assertEquals(SetIdRequest.Drop.NONE, noted(request(setattr, 0, FATTR_SIZE), setattr), "root's truncate");
        assertEquals(SetIdRequest.Drop.FOR_OWNERSHIP, noted(request(setattr, 0, 0), setattr), "chown(f, -1, -1)");
        assertEquals(SetIdRequest.Drop.FOR_OWNERSHIP, noted(request(setattr, 0, FATTR_FH), setattr), "fchown(fd, -1, -1)");
        assertEquals(SetIdRequest.Drop.NONE, noted(request(setattr, 0, FATTR_UID), setattr), "chown drops them itself");
        assertEquals(SetIdRequest.Drop.NONE, noted(request(setattr, 0, FATTR_MODE), setattr));
    }

    @Test
    void take_answersOncePerRequest_andTheNextRequestStartsAfresh() {
        SetIdRequest.note(request(Wire.WRITE, 20, 1 << 2), 128, Wire.WRITE);
        assertEquals(SetIdRequest.Drop.FOR_DATA, SetIdRequest.take());
        assertEquals(SetIdRequest.Drop.NONE, SetIdRequest.take(), "a second callback of the same request");

        SetIdRequest.note(request(Wire.WRITE, 20, 1 << 2), 128, Wire.WRITE);
        SetIdRequest.note(request(15, 0, 0), 128, 15); // a READ that follows: nothing carried over
        assertEquals(SetIdRequest.Drop.NONE, SetIdRequest.take());
    }
}
