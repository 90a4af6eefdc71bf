package io.tgcryptfs.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tgcryptfs.fs.ChunkId;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class VolumeKeysTest {
    private static final byte[] DATA = "the same block of data".getBytes();

    @Test
    void unlock_withCorrectPassword_derivesTheCreatorsKeys() throws Exception {
        NewVolume volume = TestVolumes.create("correct horse");
        try (VolumeKeys unlocked = VolumeKeys.unlock(volume.header(), "correct horse".toCharArray())) {
            assertEquals(volume.keys().chunkIds().idOf(DATA), unlocked.chunkIds().idOf(DATA));
            ChunkId id = volume.keys().chunkIds().idOf(DATA);
            byte[] sealed = volume.keys().chunkCipher().sealVersion1(id, 0, DATA, 0, DATA.length);
            assertArrayEquals(DATA, unlocked.chunkCipher().open(id, sealed, 0, sealed.length).plaintext());
            byte[] meta = volume.keys().metadataCipher().seal("root", DATA);
            assertArrayEquals(DATA, unlocked.metadataCipher().open("root", meta));
        }
    }

    @Test
    void unlock_withWrongPassword_throwsWrongPassword() {
        NewVolume volume = TestVolumes.create("correct horse");
        assertThrows(WrongPasswordException.class,
                () -> VolumeKeys.unlock(volume.header(), "battery staple".toCharArray()));
    }

    @Test
    void unlock_withLoneSurrogatePassword_throwsWrongPassword() {
        NewVolume volume = TestVolumes.create("correct horse");
        assertThrows(WrongPasswordException.class,
                () -> VolumeKeys.unlock(volume.header(), new char[] {'a', '\uD800'}));
    }

    @Test
    void unlock_ofHeaderWithForgedBlockSize_fails() throws Exception {
        NewVolume volume = TestVolumes.create("correct horse");
        byte[] bytes = volume.header().encode();
        ByteBuffer.wrap(bytes).putInt(HeaderBytes.BLOCK_SIZE_OFFSET, TestVolumes.BLOCK_SIZE * 2);
        VolumeHeader forged = VolumeHeader.decode(HeaderBytes.withFixedCrc(bytes));
        assertThrows(WrongPasswordException.class, () -> VolumeKeys.unlock(forged, "correct horse".toCharArray()));
    }

    @Test
    void unlock_ofHeaderWithForgedVolumeId_fails() throws Exception {
        NewVolume volume = TestVolumes.create("correct horse");
        byte[] bytes = volume.header().encode();
        bytes[10] ^= 1;
        VolumeHeader forged = VolumeHeader.decode(HeaderBytes.withFixedCrc(bytes));
        assertThrows(WrongPasswordException.class, () -> VolumeKeys.unlock(forged, "correct horse".toCharArray()));
    }

    @Test
    void create_givesEachVolumeItsOwnIdAndKeys() {
        NewVolume a = TestVolumes.create("same password");
        NewVolume b = TestVolumes.create("same password");
        assertFalse(Arrays.equals(a.header().volumeId(), b.header().volumeId()));
        assertNotEquals(a.keys().chunkIds().idOf(DATA), b.keys().chunkIds().idOf(DATA));
    }

    @Test
    void create_withEmptyPassword_isRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> VolumeKeys.create(new char[0], TestVolumes.BLOCK_SIZE, TestVolumes.smallKdf(), TestVolumes.RANDOM));
    }

    @Test
    void create_withOutOfRangeBlockSize_isRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> VolumeKeys.create("pw".toCharArray(), 0, TestVolumes.smallKdf(), TestVolumes.RANDOM));
        assertThrows(IllegalArgumentException.class, () -> VolumeKeys.create("pw".toCharArray(),
                VolumeHeader.MAX_BLOCK_SIZE + 1, TestVolumes.smallKdf(), TestVolumes.RANDOM));
    }

    @Test
    void rewrap_keepsTheSameSubkeys() throws Exception {
        NewVolume volume = TestVolumes.create("old password");
        VolumeHeader rewrapped = volume.keys().rewrap(volume.header(), "new password".toCharArray(),
                TestVolumes.smallKdf(), TestVolumes.RANDOM);
        ChunkId id = volume.keys().chunkIds().idOf(DATA);
        byte[] sealed = volume.keys().chunkCipher().sealVersion1(id, 1, DATA, 0, DATA.length);
        try (VolumeKeys unlocked = VolumeKeys.unlock(rewrapped, "new password".toCharArray())) {
            assertEquals(id, unlocked.chunkIds().idOf(DATA));
            ChunkCipher.OpenedChunk opened = unlocked.chunkCipher().open(id, sealed, 0, sealed.length);
            assertEquals(1, opened.flags());
            assertArrayEquals(DATA, opened.plaintext());
        }
        assertArrayEquals(volume.header().volumeId(), rewrapped.volumeId());
        assertEquals(volume.header().blockSize(), rewrapped.blockSize());
    }

    @Test
    void rewrap_oldPasswordNoLongerOpensNewHeader() {
        NewVolume volume = TestVolumes.create("old password");
        VolumeHeader rewrapped = volume.keys().rewrap(volume.header(), "new password".toCharArray(),
                volume.header().kdf().withNewSalt(TestVolumes.RANDOM), TestVolumes.RANDOM);
        assertThrows(WrongPasswordException.class, () -> VolumeKeys.unlock(rewrapped, "old password".toCharArray()));
    }

    @Test
    void rewrap_survivesEncodeDecode() throws Exception {
        NewVolume volume = TestVolumes.create("old password");
        VolumeHeader rewrapped = volume.keys().rewrap(volume.header(), "new password".toCharArray(),
                TestVolumes.smallKdf(), TestVolumes.RANDOM);
        VolumeKeys.unlock(VolumeHeader.decode(rewrapped.encode()), "new password".toCharArray()).close();
    }

    @Test
    void rewrap_ofAnotherVolumesHeader_isRejected() {
        NewVolume a = TestVolumes.create("pw");
        NewVolume b = TestVolumes.create("pw");
        assertThrows(IllegalArgumentException.class, () -> a.keys().rewrap(b.header(), "new".toCharArray(),
                TestVolumes.smallKdf(), TestVolumes.RANDOM));
    }

    @Test
    void close_thenUse_failsInsteadOfUsingZeroedKeys() {
        NewVolume volume = TestVolumes.create("pw");
        ChunkIdHasher hasher = volume.keys().chunkIds();
        ChunkCipher chunks = volume.keys().chunkCipher();
        MetadataCipher meta = volume.keys().metadataCipher();
        volume.keys().close();
        volume.keys().close();
        assertThrows(IllegalStateException.class, () -> hasher.idOf(DATA));
        assertThrows(IllegalStateException.class, () -> chunks.sealVersion1(ChunkId.of(new byte[32]), 0, DATA, 0, 1));
        assertThrows(IllegalStateException.class, () -> chunks.sealFrame(new KeySlot(new byte[16], 0), 0, new byte[0],
                DATA, 0, 1, new byte[64], 0));
        assertThrows(IllegalStateException.class, () -> meta.seal("root", DATA));
        assertThrows(IllegalStateException.class, () -> volume.keys().chunkCipher());
        assertThrows(IllegalStateException.class, () -> volume.keys().rewrap(volume.header(), "x".toCharArray(),
                TestVolumes.smallKdf(), TestVolumes.RANDOM));
    }
}
