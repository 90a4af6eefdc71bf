package io.tgcryptfs.chunk;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FastDecompressor;

import java.nio.ByteBuffer;

/**
 * LZ4 for block plaintext. A block that does not shrink by at least 1/16 is stored as it is, so
 * already-compressed data (sparsebundle bands of compressed files, media) costs no CPU on read.
 */
public final class Compressor {
    /** Chunk flag: the payload is [plainLength:int][lz4 data]. */
    public static final int FLAG_LZ4 = 1;

    private final boolean enabled;
    private final LZ4Compressor compressor;
    private final LZ4FastDecompressor decompressor;

    public Compressor(boolean enabled) {
        LZ4Factory factory = LZ4Factory.fastestInstance();
        this.enabled = enabled;
        this.compressor = factory.fastCompressor();
        this.decompressor = factory.fastDecompressor();
    }

    /** The payload to encrypt and its flags. */
    public record Payload(int flags, byte[] bytes, int length) {
    }

    public Payload compress(byte[] plain, int length) {
        if (!enabled || length < 64) {
            return new Payload(0, plain, length);
        }
        byte[] out = new byte[4 + compressor.maxCompressedLength(length)];
        ByteBuffer.wrap(out).putInt(length);
        int n = compressor.compress(plain, 0, length, out, 4, out.length - 4);
        if (4 + n > length - length / 16) {
            return new Payload(0, plain, length);
        }
        return new Payload(FLAG_LZ4, out, 4 + n);
    }

    /** Returns the plaintext; throws IllegalArgumentException on malformed input (treated as corruption). */
    public byte[] decompress(int flags, byte[] payload) {
        if ((flags & FLAG_LZ4) == 0) {
            return payload;
        }
        int plainLength = ByteBuffer.wrap(payload).getInt();
        if (plainLength < 0 || plainLength > 1 << 30) {
            throw new IllegalArgumentException("bad plaintext length " + plainLength);
        }
        byte[] out = new byte[plainLength];
        try {
            decompressor.decompress(payload, 4, out, 0, plainLength);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("corrupt lz4 payload", e);
        }
        return out;
    }
}
