package io.tgcryptfs.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tgcryptfs.fs.ChunkId;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ChunkCipherTest {
    private static NewVolume volume;
    private static NewVolume other;
    private static ChunkCipher cipher;

    @BeforeAll
    static void createVolumes() {
        volume = TestVolumes.create("pw");
        other = TestVolumes.create("pw");
        cipher = volume.keys().chunkCipher();
    }

    @AfterAll
    static void close() {
        volume.keys().close();
        other.keys().close();
    }

    private static ChunkId idOf(byte[] data) {
        return volume.keys().chunkIds().idOf(data);
    }

    @Test
    void open_ofSealed_returnsPlaintextAndFlags() throws Exception {
        byte[] plain = TestVolumes.randomBytes(TestVolumes.BLOCK_SIZE);
        ChunkId id = idOf(plain);
        byte[] sealed = cipher.sealVersion1(id, 1, plain, 0, plain.length);
        ChunkCipher.OpenedChunk opened = cipher.open(id, sealed, 0, sealed.length);
        assertEquals(1, opened.flags());
        assertArrayEquals(plain, opened.plaintext());
    }

    @Test
    void seal_addsExactlyOverhead() {
        byte[] plain = TestVolumes.randomBytes(1000);
        assertEquals(1000 + ChunkCipher.OVERHEAD, cipher.sealVersion1(idOf(plain), 0, plain, 0, plain.length).length);
        assertEquals(30, ChunkCipher.OVERHEAD);
    }

    @Test
    void open_ofEmptyPlaintext_roundTrips() throws Exception {
        ChunkId id = idOf(new byte[0]);
        byte[] sealed = cipher.sealVersion1(id, 0, new byte[0], 0, 0);
        assertArrayEquals(new byte[0], cipher.open(id, sealed, 0, sealed.length).plaintext());
    }

    @Test
    void open_ofSliceInsideLargerBuffer_roundTrips() throws Exception {
        byte[] plain = TestVolumes.randomBytes(500);
        ChunkId id = idOf(Arrays.copyOfRange(plain, 100, 400));
        byte[] sealed = cipher.sealVersion1(id, 255, plain, 100, 300);
        byte[] pack = new byte[sealed.length + 77];
        System.arraycopy(sealed, 0, pack, 40, sealed.length);
        ChunkCipher.OpenedChunk opened = cipher.open(id, pack, 40, sealed.length);
        assertEquals(255, opened.flags());
        assertArrayEquals(Arrays.copyOfRange(plain, 100, 400), opened.plaintext());
    }

    @Test
    void seal_twice_usesFreshNonces() {
        byte[] plain = TestVolumes.randomBytes(64);
        ChunkId id = idOf(plain);
        assertFalse(Arrays.equals(cipher.sealVersion1(id, 0, plain, 0, 64), cipher.sealVersion1(id, 0, plain, 0, 64)));
    }

    @Test
    void open_withFlippedBit_failsIntegrity() {
        byte[] plain = TestVolumes.randomBytes(64);
        ChunkId id = idOf(plain);
        byte[] sealed = cipher.sealVersion1(id, 0, plain, 0, plain.length);
        // Covers version, flags, nonce, ciphertext and tag.
        for (int bit = 0; bit < sealed.length * 8; bit++) {
            byte[] corrupted = TestVolumes.flipBit(sealed, bit);
            assertThrows(IntegrityException.class, () -> cipher.open(id, corrupted, 0, corrupted.length), "bit " + bit);
        }
    }

    @Test
    void open_withSwappedChunkId_failsIntegrity() {
        byte[] a = TestVolumes.randomBytes(64);
        byte[] b = TestVolumes.randomBytes(64);
        byte[] sealedA = cipher.sealVersion1(idOf(a), 0, a, 0, a.length);
        assertThrows(IntegrityException.class, () -> cipher.open(idOf(b), sealedA, 0, sealedA.length));
    }

    @Test
    void open_withAnotherVolumesKey_failsIntegrity() {
        byte[] plain = TestVolumes.randomBytes(64);
        ChunkId id = idOf(plain);
        byte[] sealed = cipher.sealVersion1(id, 0, plain, 0, plain.length);
        ChunkCipher foreign = other.keys().chunkCipher();
        assertThrows(IntegrityException.class, () -> foreign.open(id, sealed, 0, sealed.length));
    }

    @Test
    void open_ofEveryTruncation_failsIntegrityOnly() {
        byte[] plain = TestVolumes.randomBytes(64);
        ChunkId id = idOf(plain);
        byte[] sealed = cipher.sealVersion1(id, 0, plain, 0, plain.length);
        for (int n = 0; n < sealed.length; n++) {
            int length = n;
            assertThrows(IntegrityException.class, () -> cipher.open(id, sealed, 0, length), "length " + n);
            byte[] copy = Arrays.copyOf(sealed, n);
            assertThrows(IntegrityException.class, () -> cipher.open(id, copy, 0, copy.length), "copy " + n);
        }
    }

    @Test
    void open_withAppendedBytes_failsIntegrity() {
        byte[] plain = TestVolumes.randomBytes(64);
        ChunkId id = idOf(plain);
        byte[] sealed = cipher.sealVersion1(id, 0, plain, 0, plain.length);
        byte[] longer = Arrays.copyOf(sealed, sealed.length + 1);
        assertThrows(IntegrityException.class, () -> cipher.open(id, longer, 0, longer.length));
    }

    @Test
    void open_ofUnknownVersion_failsIntegrity() {
        byte[] plain = TestVolumes.randomBytes(64);
        ChunkId id = idOf(plain);
        byte[] sealed = cipher.sealVersion1(id, 0, plain, 0, plain.length);
        sealed[0] = 2;
        assertThrows(IntegrityException.class, () -> cipher.open(id, sealed, 0, sealed.length));
    }

    @Test
    void seal_withFlagsOutsideOneByte_isRejected() {
        ChunkId id = idOf(new byte[1]);
        assertThrows(IllegalArgumentException.class, () -> cipher.sealVersion1(id, 256, new byte[1], 0, 1));
        assertThrows(IllegalArgumentException.class, () -> cipher.sealVersion1(id, -1, new byte[1], 0, 1));
    }
}
