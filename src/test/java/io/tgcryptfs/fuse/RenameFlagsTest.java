package io.tgcryptfs.fuse;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A RENAME2 request read and rewritten into the RENAME libfuse 2 knows, byte by byte. */
class RenameFlagsTest {
    private static final Runtime RUNTIME = Runtime.getSystemRuntime();

    /** A RENAME2 from "old" to "new" in directory 7, with {@code flags}; its header has len and opcode. */
    private static Pointer rename2(int flags, String names) {
        byte[] n = names.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(Wire.IN_HEADER + 16 + n.length).order(ByteOrder.nativeOrder());
        b.putInt(0, b.capacity()).putInt(Wire.IN_OPCODE, Wire.RENAME2);
        b.putLong(Wire.IN_HEADER, 7).putInt(Wire.IN_HEADER + 8, flags);
        b.position(Wire.IN_HEADER + 16);
        b.put(n);
        Pointer p = Memory.allocateDirect(RUNTIME, b.capacity());
        p.put(0, b.array(), 0, b.capacity());
        return p;
    }

    @Test
    void aNoReplaceRename2_becomesARenameOfTheSameNames_eightBytesShorter() {
        String names = "old\0new\0";
        Pointer p = rename2(RenameFlags.NOREPLACE, names);
        int length = Wire.IN_HEADER + 16 + names.length();
        assertTrue(RenameFlags.onlyNoReplace(p, length));
        assertEquals(7, RenameFlags.newDirectory(p));
        assertEquals("new", RenameFlags.newName(p, length));

        int shorter = RenameFlags.toRename(p, length);
        assertEquals(length - 8, shorter);
        assertEquals(shorter, p.getInt(0), "fuse_in_header.len");
        assertEquals(Wire.RENAME, p.getInt(Wire.IN_OPCODE));
        assertEquals(7, p.getLong(Wire.IN_HEADER), "fuse_rename_in.newdir");
        byte[] moved = new byte[names.length()];
        p.get(Wire.IN_HEADER + 8, moved, 0, moved.length);
        assertArrayEquals(names.getBytes(StandardCharsets.UTF_8), moved);
    }

    @Test
    void otherFlags_andNamesWithoutTheirEnd_areNotServed() {
        String names = "old\0new\0";
        int length = Wire.IN_HEADER + 16 + names.length();
        assertFalse(RenameFlags.onlyNoReplace(rename2(2, names), length), "RENAME_EXCHANGE");
        assertFalse(RenameFlags.onlyNoReplace(rename2(RenameFlags.NOREPLACE | 2, names), length));
        assertNull(RenameFlags.newName(rename2(RenameFlags.NOREPLACE, "old\0new"), length - 1), "no NUL after the new name");
    }
}
