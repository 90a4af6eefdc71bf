package io.tgcryptfs.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class KdfParamsTest {
    private static final byte[] SALT = new byte[KdfParams.SALT_LENGTH];

    @Test
    void constructor_withShortSalt_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> new KdfParams(8192, 1, 1, new byte[15]));
    }

    @Test
    void constructor_withZeroIterations_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> new KdfParams(8192, 0, 1, SALT));
    }

    @Test
    void constructor_withLessThanEightKiBPerLane_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> new KdfParams(31, 1, 4, SALT));
    }

    @Test
    void constructor_withAbsurdMemory_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> new KdfParams(KdfParams.MAX_MEMORY_KIB + 1, 1, 1, SALT));
    }

    @Test
    void constructor_withZeroOrTooManyLanes_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> new KdfParams(8192, 1, 0, SALT));
        assertThrows(IllegalArgumentException.class, () -> new KdfParams(8192, 1, KdfParams.MAX_PARALLELISM + 1, SALT));
    }

    @Test
    void salt_isDefensivelyCopiedInAndOut() {
        byte[] salt = new byte[KdfParams.SALT_LENGTH];
        KdfParams params = new KdfParams(8192, 1, 1, salt);
        salt[0] = 1;
        params.salt()[1] = 1;
        assertArrayEquals(new byte[KdfParams.SALT_LENGTH], params.salt());
    }

    @Test
    void equals_comparesSaltByContent() {
        assertEquals(new KdfParams(8192, 1, 1, SALT.clone()), new KdfParams(8192, 1, 1, SALT.clone()));
    }

    @Test
    void withNewSalt_keepsCostsAndChangesSalt() {
        KdfParams params = TestVolumes.smallKdf();
        KdfParams fresh = params.withNewSalt(TestVolumes.RANDOM);
        assertEquals(params.memoryKiB(), fresh.memoryKiB());
        assertEquals(params.iterations(), fresh.iterations());
        assertEquals(params.parallelism(), fresh.parallelism());
        assertNotEquals(params, fresh);
        assertFalse(Arrays.equals(params.salt(), fresh.salt()));
    }
}
