package io.tgcryptfs.crypto;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Gets HotSpot to compile the AES-GCM and HMAC-SHA256 paths with their CPU intrinsics before real
 * data arrives. A block is a few frame-sized calls, so a fresh JVM makes too few calls for the JIT to
 * notice: measured here (JDK 17), GCM stays near 50-90 MB/s for the first hundreds of megabytes, against
 * 1-4 GB/s once compiled. The warm-up runs block-sized round trips through the production classes (a
 * warm-up with another key class or call shape gets its compiled code thrown away when real calls
 * arrive) until one is fast, or a time limit passes. Uses a throwaway key.
 */
public final class JitWarmup {
    private static final int BLOCK = 256 << 10;
    /** The frame size chunks are sealed in (ChunkFormat, which this package cannot see). */
    private static final int FRAME = 32 << 10;
    /** A 256 KiB hash + seal + open under this much CPU time counts as compiled (about 300 MB/s and more). */
    private static final long FAST_NANOS = 2_500_000;
    /** CPU time after which the warm-up gives up. */
    private static final long LIMIT_NANOS = 10_000_000_000L;

    private JitWarmup() {
    }

    /** Runs the warm-up on a daemon thread and returns at once. */
    public static Thread startInBackground() {
        Thread t = new Thread(JitWarmup::run, "tgcryptfs-jit-warmup");
        t.setDaemon(true);
        t.start();
        return t;
    }

    static void run() {
        // the production classes, key type and layouts: compiled code specialised for another key class
        // or call shape is thrown away (deoptimised) when the real calls arrive
        ChunkCipher cipher = new ChunkCipher(new SubKey("AES", new byte[SubKey.LENGTH]), new java.security.SecureRandom());
        ChunkIdHasher hasher = new ChunkIdHasher(new SubKey("HmacSHA256", new byte[SubKey.LENGTH]));
        try {
            byte[] block = new byte[BLOCK];
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long start = threads.getCurrentThreadCpuTime();
            for (int i = 0; threads.getCurrentThreadCpuTime() - start < LIMIT_NANOS; i++) {
                // CPU time, not wall time: on a busy machine a compiled round trip can take longer than
                // the threshold on the clock, and the warm-up would then compete with real work for its limit
                long t = threads.getCurrentThreadCpuTime();
                roundTrip(cipher, hasher, block);
                if (threads.getCurrentThreadCpuTime() - t < FAST_NANOS && i >= 16) {
                    return;
                }
            }
        } catch (IntegrityException | RuntimeException e) {
            // a warm-up failure only costs speed; the real calls report real errors
        }
    }

    private static void roundTrip(ChunkCipher cipher, ChunkIdHasher hasher, byte[] plain) throws IntegrityException {
        hasher.idOf(plain, 0, plain.length);
        KeySlot slot = new KeySlot(new byte[KeySlot.KEY_ID_LENGTH], 0);
        byte[] sealed = new byte[FRAME + ChunkCipher.tagLength()];
        byte[] aad = new byte[64];
        for (int at = 0; at < plain.length; at += FRAME) {
            cipher.sealFrame(slot, at / FRAME, aad, plain, at, FRAME, sealed, 0);
            cipher.openFrame(slot, at / FRAME, aad, sealed, 0, sealed.length);
        }
    }
}
