package io.tgcryptfs.chunk;

import io.tgcryptfs.crypto.ChunkCipher;
import io.tgcryptfs.crypto.IntegrityException;
import io.tgcryptfs.crypto.KdfParams;
import io.tgcryptfs.crypto.KeySlot;
import io.tgcryptfs.crypto.NewVolume;
import io.tgcryptfs.crypto.VolumeKeys;
import io.tgcryptfs.fs.ChunkId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChunkFormatTest {
    private static final int BLOCK = 256 << 10;
    private static final int FRAME = 1 << ChunkFormat.FRAME_SHIFT;
    private static NewVolume volume;
    private static ChunkCipher cipher;
    private static final Compressor LZ4 = new Compressor(true);

    @BeforeAll
    static void keys() {
        volume = VolumeKeys.create("pw".toCharArray(), BLOCK, KdfParams.generate(8 * 1024, 1, 1, new SecureRandom()), new SecureRandom());
        cipher = volume.keys().chunkCipher();
    }

    @AfterAll
    static void close() {
        volume.keys().close();
    }

    private static KeySlot slot(int keyByte, long counter) {
        byte[] id = new byte[KeySlot.KEY_ID_LENGTH];
        Arrays.fill(id, (byte) keyByte);
        return new KeySlot(id, counter);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] text(int n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; out.size() < n; i++) {
            out.writeBytes(("line " + i + " of a compressible block\n").getBytes());
        }
        return Arrays.copyOf(out.toByteArray(), n);
    }

    private static ChunkId idOf(byte[] plain, int length) {
        return volume.keys().chunkIds().idOf(plain, 0, length);
    }

    /** Every frame of a sealed chunk, opened through its parsed layout. */
    private static byte[] openAll(ChunkId id, byte[] sealed, int length) throws IntegrityException {
        ChunkFormat.Layout layout = ChunkFormat.layout(id, sealed, sealed.length, length, sealed.length);
        byte[] out = new byte[length];
        for (int f = 0; f < layout.frames(); f++) {
            byte[] plain = layout.open(cipher, LZ4, f, sealed, (int) layout.offset(f));
            System.arraycopy(plain, 0, out, f * layout.frameSize(), plain.length);
        }
        return out;
    }

    @Test
    void sealedBlock_opensFrameByFrame_forRandomAndCompressibleData() throws Exception {
        for (byte[] plain : new byte[][] {random(BLOCK, 1), text(BLOCK), text(FRAME * 3 + 17), random(100, 2)}) {
            ChunkId id = idOf(plain, plain.length);
            byte[] sealed = ChunkFormat.seal(cipher, LZ4, id, plain, plain.length, slot(1, 7));
            assertArrayEquals(plain, openAll(id, sealed, plain.length));
        }
    }

    @Test
    void compressibleBlock_isStoredSmallerThanItsPlaintext_incompressibleOneCostsOnlyHeaderAndTags() {
        byte[] text = text(BLOCK);
        assertTrue(ChunkFormat.seal(cipher, LZ4, idOf(text, BLOCK), text, BLOCK, slot(1, 1)).length < BLOCK / 4);
        byte[] noise = random(BLOCK, 3);
        int frames = BLOCK / FRAME;
        assertEquals(BLOCK + 31 + frames * 4 + frames * 16,
                ChunkFormat.seal(cipher, LZ4, idOf(noise, BLOCK), noise, BLOCK, slot(1, 2)).length);
    }

    @Test
    void aBlockWrittenInPiecesOverAHole_hasItsZeroFramesCompressed_evenAfterARandomFirstFrame() throws Exception {
        byte[] plain = new byte[BLOCK];
        byte[] noise = random(FRAME, 5);
        System.arraycopy(noise, 0, plain, 0, FRAME);            // frame 0: random, does not compress
        System.arraycopy(noise, 0, plain, 3 * FRAME + 100, 4096); // frame 3: a 4 KiB write into zeros
        ChunkId id = idOf(plain, BLOCK);
        byte[] sealed = ChunkFormat.seal(cipher, LZ4, id, plain, BLOCK, slot(1, 3));
        assertTrue(sealed.length < FRAME + 4096 + FRAME / 2, "zero frames compressed: " + sealed.length);
        assertArrayEquals(plain, openAll(id, sealed, BLOCK));
    }

    @Test
    void chunksWrittenWithTheOlder32KiBFrames_stillOpen() throws Exception {
        for (byte[] plain : new byte[][] {random(BLOCK, 8), text(BLOCK - 1000)}) {
            ChunkId id = idOf(plain, plain.length);
            byte[] sealed = ChunkFormat.seal(cipher, LZ4, id, plain, plain.length, slot(4, 1), 15);
            assertArrayEquals(plain, openAll(id, sealed, plain.length));
        }
    }

    @Test
    void looksSparse_onlyWhereZerosAre() {
        assertFalse(Compressor.looksSparse(random(FRAME, 6), 0, FRAME), "random bytes");
        byte[] mostlyRandom = random(FRAME, 7);
        Arrays.fill(mostlyRandom, 0, FRAME / 8, (byte) 0);
        assertTrue(Compressor.looksSparse(mostlyRandom, 0, FRAME), "an eighth of zeros");
        assertTrue(Compressor.looksSparse(new byte[FRAME], 0, FRAME), "a hole");
    }

    @Test
    void oneFrame_opensAlone_fromOnlyItsOwnBytes() throws Exception {
        byte[] plain = random(BLOCK, 4);
        ChunkId id = idOf(plain, BLOCK);
        byte[] sealed = ChunkFormat.seal(cipher, LZ4, id, plain, BLOCK, slot(2, 0));
        ChunkFormat.Layout layout = ChunkFormat.layout(id, sealed, ChunkFormat.prefixReadLength(BLOCK, sealed.length),
                BLOCK, sealed.length);
        int f = 5;
        byte[] own = Arrays.copyOfRange(sealed, (int) layout.offset(f), (int) layout.offset(f) + layout.sealedLength(f));
        assertArrayEquals(Arrays.copyOfRange(plain, f * FRAME, (f + 1) * FRAME), layout.open(cipher, LZ4, f, own, 0));
    }

    /**
     * A stored frame is decrypted in place in a read's buffer: one whose table entry claims more bytes than
     * the frame holds (the neighbouring entry shrunk to keep the sum) is refused before anything is written.
     */
    @Test
    void openInto_writesOnlyTheFramesRange_andRefusesALengthThatWouldSpillOver() throws Exception {
        byte[] plain = random(4 * FRAME, 9);
        ChunkId id = idOf(plain, plain.length);
        byte[] sealed = ChunkFormat.seal(cipher, LZ4, id, plain, plain.length, slot(3, 5));
        ChunkFormat.Layout layout = ChunkFormat.layout(id, sealed, sealed.length, plain.length, sealed.length);
        byte[] out = new byte[3 * FRAME];
        Arrays.fill(out, (byte) 0x5A);
        layout.openInto(cipher, LZ4, 2, sealed, (int) layout.offset(2), out, FRAME);
        assertArrayEquals(Arrays.copyOfRange(plain, 2 * FRAME, 3 * FRAME), Arrays.copyOfRange(out, FRAME, 2 * FRAME));
        byte[] untouched = new byte[FRAME];
        Arrays.fill(untouched, (byte) 0x5A);
        assertArrayEquals(untouched, Arrays.copyOfRange(out, 0, FRAME));
        assertArrayEquals(untouched, Arrays.copyOfRange(out, 2 * FRAME, 3 * FRAME));

        byte[] forged = sealed.clone();
        java.nio.ByteBuffer table = java.nio.ByteBuffer.wrap(forged, ChunkFormat.FIXED_PREFIX, 4 * 4);
        table.putInt(ChunkFormat.FIXED_PREFIX + 4 * 2, layout.sealedLength(2) + 64);
        table.putInt(ChunkFormat.FIXED_PREFIX + 4 * 3, layout.sealedLength(3) - 64);
        ChunkFormat.Layout lying = ChunkFormat.layout(id, forged, forged.length, plain.length, forged.length);
        Arrays.fill(out, (byte) 0x5A);
        assertThrows(IntegrityException.class,
                () -> lying.openInto(cipher, LZ4, 2, forged, (int) lying.offset(2), out, FRAME));
        for (byte b : out) {
            assertEquals((byte) 0x5A, b);
        }
    }

    @Test
    void everyFlippedBit_failsIntegrity() {
        byte[] plain = text(FRAME + 200);
        ChunkId id = idOf(plain, plain.length);
        byte[] sealed = ChunkFormat.seal(cipher, LZ4, id, plain, plain.length, slot(3, 9));
        for (int bit = 0; bit < sealed.length * 8; bit++) {
            byte[] bad = sealed.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThrows(IntegrityException.class, () -> openAll(id, bad, plain.length), "bit " + bit);
        }
    }

    @Test
    void swappedFrames_otherChunkId_andWrongRecordedLength_failIntegrity() throws Exception {
        byte[] plain = random(2 * FRAME, 5);
        ChunkId id = idOf(plain, plain.length);
        byte[] sealed = ChunkFormat.seal(cipher, LZ4, id, plain, plain.length, slot(4, 1));
        int frameBytes = FRAME + ChunkCipher.tagLength();
        int first = sealed.length - 2 * frameBytes;
        byte[] swapped = sealed.clone();
        System.arraycopy(sealed, first + frameBytes, swapped, first, frameBytes);
        System.arraycopy(sealed, first, swapped, first + frameBytes, frameBytes);
        assertThrows(IntegrityException.class, () -> openAll(id, swapped, plain.length));
        byte[] other = random(2 * FRAME, 6);
        assertThrows(IntegrityException.class, () -> openAll(idOf(other, other.length), sealed, plain.length));
        assertThrows(IntegrityException.class, () -> openAll(id, sealed, plain.length - 1));
        assertThrows(IntegrityException.class, () -> ChunkFormat.layout(id, sealed, sealed.length, plain.length, sealed.length + 1));
    }

    @Test
    void slots_giveDifferentCiphertexts_andTheSameSlotIsDeterministic() {
        byte[] plain = random(FRAME, 7);
        ChunkId id = idOf(plain, plain.length);
        byte[] a = ChunkFormat.seal(cipher, LZ4, id, plain, plain.length, slot(5, 1));
        byte[] b = ChunkFormat.seal(cipher, LZ4, id, plain, plain.length, slot(5, 2));
        byte[] c = ChunkFormat.seal(cipher, LZ4, id, plain, plain.length, slot(6, 1));
        byte[] tailA = Arrays.copyOfRange(a, a.length - FRAME, a.length);
        assertFalse(Arrays.equals(tailA, Arrays.copyOfRange(b, b.length - FRAME, b.length)));
        assertFalse(Arrays.equals(tailA, Arrays.copyOfRange(c, c.length - FRAME, c.length)));
        assertArrayEquals(a, ChunkFormat.seal(cipher, LZ4, id, plain, plain.length, slot(5, 1)));
    }

    @Test
    void anotherVolumesKeys_cannotOpen() {
        byte[] plain = random(FRAME, 8);
        ChunkId id = idOf(plain, plain.length);
        byte[] sealed = ChunkFormat.seal(cipher, LZ4, id, plain, plain.length, slot(7, 0));
        NewVolume other = VolumeKeys.create("pw".toCharArray(), BLOCK, KdfParams.generate(8 * 1024, 1, 1, new SecureRandom()), new SecureRandom());
        try {
            ChunkFormat.Layout layout = assertDoesNotThrowLayout(id, sealed, plain.length);
            assertThrows(IntegrityException.class,
                    () -> layout.open(other.keys().chunkCipher(), LZ4, 0, sealed, (int) layout.offset(0)));
        } finally {
            other.keys().close();
        }
    }

    private static ChunkFormat.Layout assertDoesNotThrowLayout(ChunkId id, byte[] sealed, int length) {
        try {
            return ChunkFormat.layout(id, sealed, sealed.length, length, sealed.length);
        } catch (IntegrityException e) {
            throw new AssertionError(e);
        }
    }
}
