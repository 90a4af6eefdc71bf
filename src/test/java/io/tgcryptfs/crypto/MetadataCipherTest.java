package io.tgcryptfs.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tgcryptfs.fs.PackId;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MetadataCipherTest {
    private static NewVolume volume;
    private static NewVolume other;
    private static MetadataCipher cipher;

    @BeforeAll
    static void createVolumes() {
        volume = TestVolumes.create("pw");
        other = TestVolumes.create("pw");
        cipher = volume.keys().metadataCipher();
    }

    @AfterAll
    static void close() {
        volume.keys().close();
        other.keys().close();
    }

    private static String packIndexLabel() {
        return "pack-index:" + PackId.random(TestVolumes.RANDOM).hex();
    }

    @Test
    void open_ofSealed_returnsPlaintext() throws Exception {
        String label = packIndexLabel();
        byte[] plain = TestVolumes.randomBytes(10_000);
        byte[] sealed = cipher.seal(label, plain);
        assertEquals(plain.length + MetadataCipher.OVERHEAD, sealed.length);
        assertArrayEquals(plain, cipher.open(label, sealed));
    }

    @Test
    void sealInPlace_amidOtherBytes_opensLikeSeal_andTouchesNothingAround() throws Exception {
        byte[] plain = TestVolumes.randomBytes(5_000);
        byte[] buffer = new byte[7 + MetadataCipher.OVERHEAD + plain.length + 5];
        java.util.Arrays.fill(buffer, (byte) 0x5a);
        System.arraycopy(plain, 0, buffer, 7 + MetadataCipher.HEADER_LENGTH, plain.length);
        cipher.sealInPlace("journal:x:1", buffer, 7, plain.length);
        byte[] sealed = java.util.Arrays.copyOfRange(buffer, 7, 7 + MetadataCipher.OVERHEAD + plain.length);
        assertArrayEquals(plain, cipher.open("journal:x:1", sealed));
        for (int i : new int[] {0, 6, buffer.length - 5, buffer.length - 1}) {
            assertEquals((byte) 0x5a, buffer[i], "byte " + i + " outside the object");
        }
    }

    @Test
    void open_ofEmptyPlaintext_roundTrips() throws Exception {
        assertArrayEquals(new byte[0], cipher.open("root", cipher.seal("root", new byte[0])));
    }

    @Test
    void open_withFlippedBit_failsIntegrity() {
        String label = packIndexLabel();
        byte[] sealed = cipher.seal(label, TestVolumes.randomBytes(48));
        for (int bit = 0; bit < sealed.length * 8; bit++) {
            byte[] corrupted = TestVolumes.flipBit(sealed, bit);
            assertThrows(IntegrityException.class, () -> cipher.open(label, corrupted), "bit " + bit);
        }
    }

    @Test
    void open_withSwappedLabel_failsIntegrity() {
        byte[] sealed = cipher.seal(packIndexLabel(), TestVolumes.randomBytes(48));
        assertThrows(IntegrityException.class, () -> cipher.open(packIndexLabel(), sealed));
    }

    @Test
    void open_withLabelThatIsAPrefix_failsIntegrity() {
        byte[] sealed = cipher.seal("snapshot:12", TestVolumes.randomBytes(48));
        assertThrows(IntegrityException.class, () -> cipher.open("snapshot:1", sealed));
    }

    @Test
    void open_withAnotherVolumesKey_failsIntegrity() {
        byte[] sealed = cipher.seal("root", TestVolumes.randomBytes(48));
        MetadataCipher foreign = other.keys().metadataCipher();
        assertThrows(IntegrityException.class, () -> foreign.open("root", sealed));
    }

    @Test
    void open_ofEveryTruncation_failsIntegrityOnly() {
        byte[] sealed = cipher.seal("root", TestVolumes.randomBytes(48));
        for (int n = 0; n < sealed.length; n++) {
            byte[] truncated = Arrays.copyOf(sealed, n);
            assertThrows(IntegrityException.class, () -> cipher.open("root", truncated), "length " + n);
        }
    }

    @Test
    void open_ofChunkSealedUnderSameBytes_failsIntegrity() {
        byte[] plain = TestVolumes.randomBytes(48);
        byte[] chunk = volume.keys().chunkCipher().sealVersion1(volume.keys().chunkIds().idOf(plain), 0, plain, 0, plain.length);
        assertThrows(IntegrityException.class, () -> cipher.open("root", chunk));
    }

    @Test
    void seal_withEmptyLabel_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> cipher.seal("", new byte[1]));
    }
}
