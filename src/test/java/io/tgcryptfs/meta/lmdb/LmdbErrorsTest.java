package io.tgcryptfs.meta.lmdb;

import io.tgcryptfs.fs.FsError;
import org.junit.jupiter.api.Test;
import org.lmdbjava.LmdbNativeException;

import java.lang.reflect.Constructor;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LmdbErrorsTest {
    /** What LMDB raises for an OS error code (its constructor is not public). */
    private static LmdbNativeException osError(int errno) throws Exception {
        Constructor<LmdbNativeException.ConstantDerivedException> c =
                LmdbNativeException.ConstantDerivedException.class.getDeclaredConstructor(int.class, String.class);
        c.setAccessible(true);
        return c.newInstance(errno, "errno " + errno);
    }

    @Test
    void aShortWriteOnAFullDisk_isNoSpace_whileAnEioWithRoomStaysAnIoError() throws Exception {
        LmdbNativeException eio = osError(5);
        assertEquals(FsError.NO_SPACE, LmdbErrors.translate(eio, () -> LmdbErrors.FULL_BELOW_BYTES - 1).error(),
                "LMDB reports the short write of a commit that filled the disk as EIO");
        assertEquals(FsError.IO, LmdbErrors.translate(eio, () -> 10L << 30).error());
        assertEquals(FsError.NO_SPACE, LmdbErrors.translate(osError(28), () -> 10L << 30).error());
    }
}
