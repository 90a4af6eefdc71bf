package io.tgcryptfs.crypto;

import io.tgcryptfs.fs.ChunkId;

/** Builds chunks in format 1 (random nonce, one tag per chunk) for tests that read volumes written before frames. */
public final class Version1Chunks {
    private Version1Chunks() {
    }

    public static byte[] seal(ChunkCipher cipher, ChunkId id, int flags, byte[] plain, int length) {
        return cipher.sealVersion1(id, flags, plain, 0, length);
    }
}
