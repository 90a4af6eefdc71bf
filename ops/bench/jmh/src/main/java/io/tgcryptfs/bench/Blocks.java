package io.tgcryptfs.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** Deterministic block contents. */
final class Blocks {
    private static final String[] WORDS = ("the of and to in is that for it as was with be by on not he this are or his "
            + "from at which but have an they you were her she there been one all we their has would when if so no "
            + "file block chunk pack volume backup band sparse bundle write read fsync seal open commit index").split(" ");

    private Blocks() {
    }

    /** "compressible": seeded pseudo-text (LZ4 about 1.7:1); "incompressible": seeded random bytes. */
    static byte[] of(String kind, int length) {
        SplittableRandom random = new SplittableRandom(7);
        byte[] block = new byte[length];
        switch (kind) {
            case "incompressible" -> random.nextBytes(block);
            case "compressible" -> {
                StringBuilder text = new StringBuilder(length + 16);
                while (text.length() < length) {
                    text.append(WORDS[random.nextInt(WORDS.length)]).append(random.nextInt(12) == 0 ? '\n' : ' ');
                    if (random.nextInt(8) == 0) {
                        text.append(random.nextInt(100_000));
                    }
                }
                System.arraycopy(text.toString().getBytes(StandardCharsets.US_ASCII), 0, block, 0, length);
            }
            default -> throw new IllegalArgumentException("unknown input " + kind);
        }
        // no trailing zeros: ChunkStore trims them, and every byte should count
        block[length - 1] = (byte) 0xFF;
        return block;
    }

    /** Writes {@code n} into the first 8 bytes: a new block, so the seal path cannot deduplicate it. */
    static void stamp(byte[] block, long n) {
        ByteBuffer.wrap(block).putLong(0, n ^ 0x5DEECE66DL);
    }
}
