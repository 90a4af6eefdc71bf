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
    /** Round trips per pack key before the next one: several blocks of one pack, as a sequential read has. */
    private static final int BLOCKS_PER_PACK = 4;
    private final Compressor compressor = new Compressor(true);
    private long round;

    /**
     * Blocks of one pack after another, and now and then a pack not seen for a while, as real reads and
     * writes are: with one pack key for every round trip, the JIT compiled only "same key as the last
     * call" and "key already derived", and the first real read of a second pack threw the compiled
     * decrypt path away (measured: the first cold read ran at ~350 MB/s, 516 once recompiled).
     */
    @Override
    public void run(ChunkCipher cipher, ChunkIdHasher hasher, byte[] block) throws IntegrityException {
        long pack = round++ / BLOCKS_PER_PACK;
        byte[] keyId = new byte[KeySlot.KEY_ID_LENGTH];
        java.nio.ByteBuffer.wrap(keyId).putLong(pack % 7 == 6 ? pack : pack % 3); // mostly cached, some new
        ChunkId id = hasher.idOf(block, 0, block.length);
        byte[] sealed = ChunkFormat.seal(cipher, compressor, id, block, block.length, new KeySlot(keyId, round));
        ChunkFormat.Layout layout = ChunkFormat.layout(id, sealed, sealed.length, block.length, sealed.length);
        for (int f = 0; f < layout.frames(); f++) {
            layout.open(cipher, compressor, f, sealed, (int) layout.offset(f));
        }
    }
}
