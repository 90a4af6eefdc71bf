package io.tgcryptfs.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class VolumeHeaderTest {
    private static VolumeHeader header;

    @BeforeAll
    static void createVolume() {
        NewVolume volume = TestVolumes.create("correct horse");
        volume.keys().close();
        header = volume.header();
    }

    @Test
    void decode_ofEncoded_returnsEqualHeader() throws Exception {
        VolumeHeader decoded = VolumeHeader.decode(header.encode());
        assertEquals(header, decoded);
        assertEquals(VolumeHeader.FORMAT_VERSION, decoded.formatVersion());
        assertArrayEquals(header.volumeId(), decoded.volumeId());
        assertEquals(TestVolumes.BLOCK_SIZE, decoded.blockSize());
        assertEquals(header.kdf(), decoded.kdf());
        assertArrayEquals(header.encode(), decoded.encode());
    }

    @Test
    void encode_startsWithMagicAndVersion() {
        byte[] bytes = header.encode();
        assertEquals("TGCFSHDR", new String(bytes, 0, 8, StandardCharsets.US_ASCII));
        assertEquals(VolumeHeader.FORMAT_VERSION, ByteBuffer.wrap(bytes, 8, 2).getShort());
    }

    @Test
    void decoded_headerStillUnlocks() throws Exception {
        VolumeHeader decoded = VolumeHeader.decode(header.encode());
        VolumeKeys.unlock(decoded, "correct horse".toCharArray()).close();
    }

    @Test
    void decode_withAnyFlippedBit_failsIntegrity() {
        byte[] bytes = header.encode();
        for (int bit = 0; bit < bytes.length * 8; bit++) {
            byte[] corrupted = TestVolumes.flipBit(bytes, bit);
            assertThrows(IntegrityException.class, () -> VolumeHeader.decode(corrupted), "bit " + bit);
        }
    }

    @Test
    void decode_ofEveryTruncation_failsIntegrity() {
        byte[] bytes = header.encode();
        for (int n = 0; n < bytes.length; n++) {
            byte[] truncated = Arrays.copyOf(bytes, n);
            assertThrows(IntegrityException.class, () -> VolumeHeader.decode(truncated), "length " + n);
        }
    }

    @Test
    void decode_withTrailingBytes_failsIntegrity() {
        byte[] longer = Arrays.copyOf(header.encode(), header.encode().length + 1);
        assertThrows(IntegrityException.class, () -> VolumeHeader.decode(longer));
    }

    @Test
    void decode_ofUnknownVersion_saysWhichVersion() {
        byte[] bytes = header.encode();
        bytes[9] = 2;
        IntegrityException e = assertThrows(IntegrityException.class, () -> VolumeHeader.decode(bytes));
        assertTrue(e.getMessage().contains("version 2"), e.getMessage());
    }

    @Test
    void decode_ofOtherData_saysItIsNotAHeader() {
        IntegrityException e = assertThrows(IntegrityException.class,
                () -> VolumeHeader.decode("hello, world".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
    }

    @Test
    void decode_withAbsurdKdfCostAndValidChecksum_failsIntegrityBeforeAnyWork() {
        byte[] bytes = header.encode();
        ByteBuffer.wrap(bytes).putInt(8 + 2 + 16 + 4, Integer.MAX_VALUE);
        byte[] rechecked = HeaderBytes.withFixedCrc(bytes);
        assertThrows(IntegrityException.class, () -> VolumeHeader.decode(rechecked));
    }
}
