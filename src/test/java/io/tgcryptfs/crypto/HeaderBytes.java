package io.tgcryptfs.crypto;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** Forges header edits the way an adversary would: change a field, recompute the (non-secret) CRC. */
final class HeaderBytes {
    static final int BLOCK_SIZE_OFFSET = 8 + 2 + 16;

    private HeaderBytes() {}

    static byte[] withFixedCrc(byte[] bytes) {
        byte[] copy = bytes.clone();
        CRC32C crc = new CRC32C();
        crc.update(copy, 0, copy.length - 4);
        ByteBuffer.wrap(copy).putInt(copy.length - 4, (int) crc.getValue());
        return copy;
    }
}
