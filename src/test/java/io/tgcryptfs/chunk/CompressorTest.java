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
        return Arrays.copyOfRange(p.bytes(), p.offset(), p.offset() + p.length());
    }

    private byte[] roundTrip(Compressor.Payload p, int plainLength) {
        return p.flags() == Compressor.FLAG_LZ4 ? decompressFrame(payloadBytes(p), plainLength) : payloadBytes(p);
    }

    private byte[] decompressFrame(byte[] payload, int plainLength) {
        byte[] out = new byte[plainLength];
        lz4.decompressFrameInto(payload, plainLength, out, 0);
        return out;
    }

    @Test
    void compressibleBlock_shrinks_andRoundTrips() {
        byte[] plain = text(4096);
        Compressor.Payload p = lz4.compressFrame(plain, 0, plain.length);
        assertEquals(Compressor.FLAG_LZ4, p.flags());
        assertTrue(p.length() < plain.length / 2, "compressed to " + p.length());
        assertArrayEquals(plain, roundTrip(p, plain.length));
    }

    @Test
    void compress_onlyThePrefixOfLength_isCompressed() {
        byte[] plain = text(4096);
        plain[4000] = 99;
        Compressor.Payload p = lz4.compressFrame(plain, 0, 3000);
        assertArrayEquals(Arrays.copyOf(plain, 3000), roundTrip(p, 3000));
        Compressor.Payload tail = lz4.compressFrame(plain, 3000, 1096);
        assertArrayEquals(Arrays.copyOfRange(plain, 3000, 4096), roundTrip(tail, 1096));
    }

    @Test
    void incompressibleBlock_isStoredPlain() {
        byte[] plain = new byte[4096];
        new Random(7).nextBytes(plain);
        Compressor.Payload p = lz4.compressFrame(plain, 0, plain.length);
        assertEquals(0, p.flags());
        assertEquals(plain.length, p.length());
        assertArrayEquals(plain, roundTrip(p, plain.length));
    }

    @Test
    void barelyCompressibleBlock_savingLessThanASixteenth_isStoredPlain() {
        // random bytes with a short run of zeros: lz4 gains a little, not 1/16
        byte[] plain = new byte[4096];
        new Random(8).nextBytes(plain);
        Arrays.fill(plain, 0, 100, (byte) 0);
        Compressor.Payload p = lz4.compressFrame(plain, 0, plain.length);
        assertEquals(0, p.flags());
    }

    @Test
    void disabledCompressor_storesEverythingPlain() {
        Compressor none = new Compressor(false);
        byte[] plain = text(4096);
        Compressor.Payload p = none.compressFrame(plain, 0, plain.length);
        assertEquals(0, p.flags());
        assertSame(plain, p.bytes());
        assertEquals(4096, p.length());
    }

    @Test
    void tinyPayload_isStoredPlain() {
        byte[] plain = text(63);
        assertEquals(0, lz4.compressFrame(plain, 0, plain.length).flags());
    }

    @Test
    void decompressFrame_corruptOrTruncatedOrLongerPayload_isIllegalArgument() {
        byte[] plain = text(4096);
        byte[] good = payloadBytes(lz4.compressFrame(plain, 0, plain.length));
        byte[] truncated = Arrays.copyOf(good, 10);
        assertThrows(IllegalArgumentException.class, () -> decompressFrame(truncated, 4096));
        byte[] longer = Arrays.copyOf(good, good.length + 3);
        assertThrows(IllegalArgumentException.class, () -> decompressFrame(longer, 4096));
        assertThrows(IllegalArgumentException.class, () -> decompressFrame(good, 5000));
    }

    /** A frame decompressed into the middle of a read's buffer: a payload longer than announced stays in its range. */
    @Test
    void decompressFrameInto_writesOnlyItsRange_evenForAPayloadThatHoldsMore() {
        byte[] plain = text(4096);
        byte[] good = payloadBytes(lz4.compressFrame(plain, 0, plain.length));
        byte[] out = new byte[3 * 4096];
        Arrays.fill(out, (byte) 7);
        lz4.decompressFrameInto(good, 4096, out, 4096);
        assertArrayEquals(plain, Arrays.copyOfRange(out, 4096, 8192));
        byte[] sevens = new byte[4096];
        Arrays.fill(sevens, (byte) 7);
        assertArrayEquals(sevens, Arrays.copyOfRange(out, 0, 4096));
        assertArrayEquals(sevens, Arrays.copyOfRange(out, 8192, 12288));

        Arrays.fill(out, (byte) 7);
        assertThrows(IllegalArgumentException.class, () -> lz4.decompressFrameInto(good, 1000, out, 4096));
        assertArrayEquals(sevens, Arrays.copyOfRange(out, 0, 4096));
        assertArrayEquals(sevens, Arrays.copyOfRange(out, 5096, 9192));
    }

    /** Format 1 payloads (chunks written before frames): [plainLength:int][lz4 block]. */
    private static byte[] format1Payload(byte[] plain) {
        var lz4 = net.jpountz.lz4.LZ4Factory.fastestInstance().fastCompressor();
        byte[] out = new byte[4 + lz4.maxCompressedLength(plain.length)];
        java.nio.ByteBuffer.wrap(out).putInt(plain.length);
        int n = lz4.compress(plain, 0, plain.length, out, 4, out.length - 4);
        return Arrays.copyOf(out, 4 + n);
    }

    @Test
    void format1Payload_decompresses_andAWrongLengthOrTruncationIsIllegalArgument() {
        byte[] plain = text(5000);
        byte[] payload = format1Payload(plain);
        assertArrayEquals(plain, lz4.decompress(Compressor.FLAG_LZ4, payload));
        byte[] longer = payload.clone();
        java.nio.ByteBuffer.wrap(longer).putInt(6000);
        assertThrows(IllegalArgumentException.class, () -> lz4.decompress(Compressor.FLAG_LZ4, longer));
        byte[] truncated = Arrays.copyOf(payload, payload.length / 2);
        assertThrows(IllegalArgumentException.class, () -> lz4.decompress(Compressor.FLAG_LZ4, truncated));
        assertSame(payload, lz4.decompress(0, payload));
    }
}
