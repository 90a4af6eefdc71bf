package io.tgcryptfs.fuse;

import io.tgcryptfs.engine.XattrMode;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class XattrWireTest {
    @Test
    void setxattrFlagsSayWhatTheSetMayDo() {
        assertEquals(XattrMode.UPSERT, XattrWire.mode(0));
        assertEquals(XattrMode.CREATE_ONLY, XattrWire.mode(1));
        assertEquals(XattrMode.REPLACE_ONLY, XattrWire.mode(2));
    }

    @Test
    void theNameListEndsEachNameWithANul() {
        assertArrayEquals("user.a\0user.bb\0".getBytes(StandardCharsets.UTF_8),
                XattrWire.joinNames(List.of("user.a", "user.bb")));
        assertEquals(0, XattrWire.joinNames(List.of()).length);
    }

    @Test
    void aReplyGivesItsLengthToSizeZero_theBytesWhenTheyFit_andErangeWhenNot() {
        Pointer buffer = Memory.allocate(Runtime.getSystemRuntime(), 8);
        byte[] value = {1, 2, 3, 4, 5};
        assertEquals(5, XattrWire.copyOut(value, buffer, 0));
        assertEquals(5, XattrWire.copyOut(value, buffer, 8));
        byte[] copied = new byte[5];
        buffer.get(0, copied, 0, 5);
        assertArrayEquals(value, copied);
        FsException tooSmall = assertThrows(FsException.class, () -> XattrWire.copyOut(value, buffer, 4));
        assertEquals(FsError.BUFFER_TOO_SMALL, tooSmall.error());
    }
}
