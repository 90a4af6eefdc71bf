package io.tgcryptfs.crypto;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Gets HotSpot to compile the AES-GCM and HMAC-SHA256 paths with their CPU intrinsics before real
 * data arrives. A block is a few frame-sized calls, so a fresh JVM makes too few calls for the JIT to
 * notice: measured here (JDK 17), GCM stays near 50-90 MB/s for the first hundreds of megabytes, against
 * 1-4 GB/s once compiled. The warm-up runs block-sized round trips through the production classes (a
 * warm-up with another key class or call shape gets its compiled code thrown away when real calls
 * arrive). HotSpot compiles by call counts, so the warm-up makes a fixed number of round trips rather
 * than stopping at the first fast one: measured here, a 256 KiB hash + seal + open took 1.5 ms after
 * 118 round trips (where a "fast enough" test used to stop, leaving GHASH in Java loops for the first
 * cold reads) and reached its compiled 0.27 ms only after about 950. Uses a throwaway key.
 */
public final class JitWarmup {
    private static final int BLOCK = 256 << 10;
    /** The frame size chunks are sealed in (ChunkFormat, which this package cannot see). */
    private static final int FRAME = 32 << 10;
    /** Round trips that get every call on the path compiled with intrinsics (about 1.5x what was measured). */
    private static final int ROUND_TRIPS = 1500;
    /** CPU time after which the warm-up gives up, on a machine too slow for the round trips. */
    private static final long LIMIT_NANOS = 10_000_000_000L;

    private JitWarmup() {
    }

    private static final java.util.concurrent.atomic.AtomicBoolean STARTED = new java.util.concurrent.atomic.AtomicBoolean();

    /** Runs the warm-up on a daemon thread, once per JVM (compiled code stays), and returns at once. */
    public static void startInBackground() {
        if (!STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(JitWarmup::run, "tgcryptfs-jit-warmup");
        t.setDaemon(true);
        t.start();
    }

    static void run() {
        // the production classes, key type and layouts: compiled code specialised for another key class
        // or call shape is thrown away (deoptimised) when the real calls arrive
        ChunkCipher cipher = new ChunkCipher(new SubKey("AES", new byte[SubKey.LENGTH]), new java.security.SecureRandom());
        ChunkIdHasher hasher = new ChunkIdHasher(new SubKey("HmacSHA256", new byte[SubKey.LENGTH]));
        try {
            byte[] block = new byte[BLOCK];
            // CPU time, not wall time: on a busy machine the warm-up must not lose its budget to waiting
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long start = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < ROUND_TRIPS && threads.getCurrentThreadCpuTime() - start < LIMIT_NANOS; i++) {
                roundTrip(cipher, hasher, block);
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
