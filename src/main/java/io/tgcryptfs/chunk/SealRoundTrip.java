package io.tgcryptfs.chunk;

import io.tgcryptfs.crypto.ChunkCipher;
import io.tgcryptfs.crypto.ChunkIdHasher;
import io.tgcryptfs.crypto.IntegrityException;
import io.tgcryptfs.crypto.JitWarmup;
import io.tgcryptfs.crypto.KeySlot;
import io.tgcryptfs.fs.ChunkId;

/**
 * The JIT warm-up's round trip: a block hashed, sealed and opened frame by frame exactly as
 * {@link ChunkStore} does it, so the compiled code fits the real calls (the AAD's length and the frame
 * offsets decide which branches of the JDK's GCM are compiled).
 */
public final class SealRoundTrip implements JitWarmup.RoundTrip {
    private final Compressor compressor = new Compressor(true);

    @Override
    public void run(ChunkCipher cipher, ChunkIdHasher hasher, byte[] block) throws IntegrityException {
        ChunkId id = hasher.idOf(block, 0, block.length);
        byte[] sealed = ChunkFormat.seal(cipher, compressor, id, block, block.length,
                new KeySlot(new byte[KeySlot.KEY_ID_LENGTH], 0));
        ChunkFormat.Layout layout = ChunkFormat.layout(id, sealed, sealed.length, block.length, sealed.length);
        for (int f = 0; f < layout.frames(); f++) {
            layout.open(cipher, compressor, f, sealed, (int) layout.offset(f));
        }
    }
}
