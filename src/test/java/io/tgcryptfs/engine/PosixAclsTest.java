package io.tgcryptfs.engine;

import static io.tgcryptfs.engine.PosixAcls.GROUP;
import static io.tgcryptfs.engine.PosixAcls.GROUP_OBJ;
import static io.tgcryptfs.engine.PosixAcls.MASK;
import static io.tgcryptfs.engine.PosixAcls.OTHER;
import static io.tgcryptfs.engine.PosixAcls.USER;
import static io.tgcryptfs.engine.PosixAcls.USER_OBJ;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tgcryptfs.engine.PosixAcls.Entry;
import io.tgcryptfs.fs.FsException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ACL rules ext4 follows (fs/posix_acl.c), as the file system must apply them under FUSE_POSIX_ACL. */
class PosixAclsTest {
    private static final int NONE = -1;

    private static byte[] acl(int... tagPermId) {
        List<Entry> entries = new java.util.ArrayList<>();
        for (int i = 0; i < tagPermId.length; i += 3) {
            entries.add(new Entry(tagPermId[i], tagPermId[i + 1], tagPermId[i + 2]));
        }
        return PosixAcls.format(entries);
    }

    @Test
    void theXattrFormat_isWhatSetfaclWrites() {
        // getfattr -e hex -n system.posix_acl_access of "setfacl -m u:nobody:rw" on a 0640 file
        byte[] fromSetfacl = java.util.HexFormat.of().parseHex(
                "02000000" + "01000600ffffffff" + "02000600feff0000" + "04000400ffffffff" + "10000600ffffffff" + "20000000ffffffff");
        byte[] ours = acl(USER_OBJ, 6, NONE, USER, 6, 65534, GROUP_OBJ, 4, NONE, MASK, 6, NONE, OTHER, 0, NONE);
        assertArrayEquals(fromSetfacl, ours);
        assertEquals(PosixAcls.parse(fromSetfacl), PosixAcls.parse(ours));
    }

    @Test
    void anAccessAcl_setsTheMode_groupBitsFromTheMask_andIsStoredOnlyIfItNamesSomeone() {
        PosixAcls.ModeOf named = PosixAcls.modeOf(acl(USER_OBJ, 6, NONE, USER, 7, 1000, GROUP_OBJ, 4, NONE, MASK, 7, NONE,
                OTHER, 0, NONE), 04640);
        assertEquals(04670, named.mode(), "set-id bits kept, group bits are the mask");
        assertTrue(named.extended());
        PosixAcls.ModeOf plain = PosixAcls.modeOf(acl(USER_OBJ, 7, NONE, GROUP_OBJ, 5, NONE, OTHER, 1, NONE), 0600);
        assertEquals(0751, plain.mode());
        assertFalse(plain.extended(), "three entries say no more than the mode");
    }

    @Test
    void aChmod_movesOwnerMaskAndOther_andLeavesTheOwningGroupAndNamedEntries() {
        byte[] before = acl(USER_OBJ, 6, NONE, USER, 7, 1000, GROUP_OBJ, 6, NONE, MASK, 7, NONE, OTHER, 4, NONE);
        assertEquals(PosixAcls.parse(acl(USER_OBJ, 7, NONE, USER, 7, 1000, GROUP_OBJ, 6, NONE, MASK, 4, NONE, OTHER, 0, NONE)),
                PosixAcls.parse(PosixAcls.chmod(before, 0740)));
        byte[] unmasked = acl(USER_OBJ, 6, NONE, GROUP_OBJ, 6, NONE, OTHER, 4, NONE);
        assertEquals(PosixAcls.parse(acl(USER_OBJ, 5, NONE, GROUP_OBJ, 1, NONE, OTHER, 0, NONE)),
                PosixAcls.parse(PosixAcls.chmod(unmasked, 0510)));
    }

    @Test
    void aNewInode_cutsOwnerMaskAndOtherToItsMode_andKeepsTheNamedEntries() {
        byte[] dirDefault = acl(USER_OBJ, 7, NONE, USER, 7, 65534, GROUP_OBJ, 5, NONE, GROUP, 6, 100, MASK, 7, NONE, OTHER, 5, NONE);
        PosixAcls.Inherited file = PosixAcls.inherit(dirDefault, 0666);
        assertEquals(0664, file.mode(), "what touch gets under the default ACL: no umask");
        assertEquals(PosixAcls.parse(acl(USER_OBJ, 6, NONE, USER, 7, 65534, GROUP_OBJ, 5, NONE, GROUP, 6, 100, MASK, 6, NONE,
                OTHER, 4, NONE)), PosixAcls.parse(file.access()));

        PosixAcls.Inherited plain = PosixAcls.inherit(acl(USER_OBJ, 7, NONE, GROUP_OBJ, 0, NONE, OTHER, 0, NONE), 0777);
        assertEquals(0700, plain.mode());
        assertNull(plain.access(), "a default ACL of three entries is only a mode");
    }

    @Test
    void aMalformedAcl_isInvalid() {
        assertThrows(FsException.class, () -> PosixAcls.parse(new byte[] {2, 0, 0, 0, 1}));
        assertThrows(FsException.class, () -> PosixAcls.parse(acl(USER_OBJ, 7, NONE, OTHER, 0, NONE)));
    }
}
