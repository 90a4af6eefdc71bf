package io.tgcryptfs.chunk;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompressorTest {
    private final Compressor lz4 = new Compressor(true);

    private static byte[] text(int n) {
        byte[] b = new byte[n];
        byte[] phrase = "the quick brown fox jumps over the lazy dog. ".getBytes();
        for (int i = 0; i < n; i++) {
            b[i] = phrase[i % phrase.length];
        }
        return b;
    }

    private static byte[] payloadBytes(Compressor.Payload p) {
        return Arrays.copyOf(p.bytes(), p.length());
    }

    @Test
    void compressibleBlock_shrinks_andRoundTrips() {
        byte[] plain = text(4096);
        Compressor.Payload p = lz4.compress(plain, plain.length);
        assertEquals(Compressor.FLAG_LZ4, p.flags());
        assertTrue(p.length() < plain.length / 2, "compressed to " + p.length());
        assertArrayEquals(plain, lz4.decompress(p.flags(), payloadBytes(p)));
    }

    @Test
    void compress_onlyThePrefixOfLength_isCompressed() {
        byte[] plain = text(4096);
        plain[4000] = 99;
        Compressor.Payload p = lz4.compress(plain, 3000);
        assertArrayEquals(Arrays.copyOf(plain, 3000), lz4.decompress(p.flags(), payloadBytes(p)));
    }

    @Test
    void incompressibleBlock_isStoredPlain() {
        byte[] plain = new byte[4096];
        new Random(7).nextBytes(plain);
        Compressor.Payload p = lz4.compress(plain, plain.length);
        assertEquals(0, p.flags());
        assertEquals(plain.length, p.length());
        assertArrayEquals(plain, lz4.decompress(p.flags(), payloadBytes(p)));
    }

    @Test
    void barelyCompressibleBlock_savingLessThanASixteenth_isStoredPlain() {
        // random bytes with a short run of zeros: lz4 gains a little, not 1/16
        byte[] plain = new byte[4096];
        new Random(8).nextBytes(plain);
        Arrays.fill(plain, 0, 100, (byte) 0);
        Compressor.Payload p = lz4.compress(plain, plain.length);
        assertEquals(0, p.flags());
    }

    @Test
    void disabledCompressor_storesEverythingPlain() {
        Compressor none = new Compressor(false);
        byte[] plain = text(4096);
        Compressor.Payload p = none.compress(plain, plain.length);
        assertEquals(0, p.flags());
        assertSame(plain, p.bytes());
        assertEquals(4096, p.length());
    }

    @Test
    void tinyPayload_isStoredPlain() {
        byte[] plain = text(63);
        assertEquals(0, lz4.compress(plain, plain.length).flags());
    }

    @Test
    void decompress_corruptLz4Payload_isIllegalArgument() {
        byte[] plain = text(4096);
        Compressor.Payload p = lz4.compress(plain, plain.length);
        byte[] broken = payloadBytes(p);
        broken[0] = (byte) 0xff; // negative plaintext length
        assertThrows(IllegalArgumentException.class, () -> lz4.decompress(Compressor.FLAG_LZ4, broken));
        byte[] truncated = Arrays.copyOf(payloadBytes(p), 10);
        assertThrows(IllegalArgumentException.class, () -> lz4.decompress(Compressor.FLAG_LZ4, truncated));
    }
}
