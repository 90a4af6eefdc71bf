package io.tgcryptfs.crypto;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Gets HotSpot to compile the AES-GCM and HMAC-SHA256 paths with their CPU intrinsics before real
 * data arrives. A block is a few frame-sized calls, so a fresh JVM makes too few calls for the JIT to
 * notice: measured here (JDK 17), GCM stays near 50-90 MB/s for the first hundreds of megabytes, against
 * 1-4 GB/s once compiled. The warm-up runs block-sized round trips through the production classes and
 * the real chunk format ({@link RoundTrip}, supplied by the chunk package): compiled code made for
 * another key class or call shape (an AAD of another length, say) can be thrown away when the real calls
 * arrive. HotSpot compiles by call counts, so the warm-up makes a fixed number of round trips rather
 * than stopping at the first fast one: measured here, a 256 KiB hash + seal + open took 1.5 ms after
 * 118 round trips (where a "fast enough" test used to stop) and reached its compiled 0.27 ms only after
 * about 950. Uses throwaway keys.
 */
public final class JitWarmup {
    private static final int BLOCK = 256 << 10;
    /** Round trips that get every call on the path compiled with intrinsics (about 1.5x what was measured). */
    private static final int ROUND_TRIPS = 1500;
    private static final int ROUND_TRIPS_PER_THREAD = 50;
    /** CPU time after which the warm-up gives up, on a machine too slow for the round trips. */
    private static final long LIMIT_NANOS = 10_000_000_000L;

    /**
     * Objects sealed in one piece of more than 64 KiB take another path through the JDK's GCM (JDK 17), which
     * the frame-sized calls leave uncompiled: measured here, after 20,000 frame-sized seals a 190 KiB one
     * took 1.4-1.8 ms (135 MB/s) until about a thousand calls of more than 64 KiB had it compiled (0.44 s of
     * CPU as 72 KiB calls), then 31 us.
     * The write journal seals each record whole (up to a block), so a fresh mount's first thousand fsyncs
     * ran on that path. (Handing GCM such an object in 64 KiB pieces gives the same ciphertext and was
     * fast in a warm JVM, but slower than this in a fresh mount: the piecewise path starts uncompiled too.)
     */
    private static final int LARGE_SEALS = 1000;
    private static final int LARGE_SEAL = 72 << 10;

    private static final java.util.concurrent.atomic.AtomicBoolean STARTED = new java.util.concurrent.atomic.AtomicBoolean();
    private static final java.util.concurrent.atomic.AtomicBoolean LARGE_STARTED = new java.util.concurrent.atomic.AtomicBoolean();

    private JitWarmup() {
    }

    /** One block's worth of the real hot path (hash, seal, open), run under throwaway keys. */
    public interface RoundTrip {
        void run(ChunkCipher cipher, ChunkIdHasher hasher, byte[] block) throws IntegrityException;
    }

    /** No warm-up in this JVM: neither start runs ({@code tgcryptfs.engine.jit-warm-up = false}). */
    public static void skip() {
        STARTED.set(true);
        LARGE_STARTED.set(true);
    }

    /** Runs the warm-up on a daemon thread, once per JVM (compiled code stays), and returns at once. */
    public static void startInBackground(RoundTrip roundTrip) {
        if (!STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> run(roundTrip), "tgcryptfs-jit-warmup-main");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Compiles the large-object seal on a daemon thread, once per JVM, and returns at once. Started by the
     * write journal's first append rather than at mount: a volume nobody fsyncs (a restore, a read) would
     * spend half a second of CPU for nothing, beside its first reads.
     */
    public static void startLargeSealsInBackground() {
        if (!LARGE_STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(JitWarmup::runLargeSeals, "tgcryptfs-jit-warmup-large");
        t.setDaemon(true);
        t.start();
    }

    static void runLargeSeals() {
        // the journal's call exactly: MetadataCipher, in place, one record after another
        MetadataCipher cipher = new MetadataCipher(new SubKey("AES", new byte[SubKey.LENGTH]), new java.security.SecureRandom());
        byte[] buffer = new byte[MetadataCipher.OVERHEAD + LARGE_SEAL];
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long start = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < LARGE_SEALS && threads.getCurrentThreadCpuTime() - start < LIMIT_NANOS; i++) {
            cipher.sealInPlace("jit-warmup:" + i, buffer, 0, LARGE_SEAL);
        }
    }

    /** The warm-up itself, on the calling thread (its batches on threads of their own); for benchmarks. */
    public static void run(RoundTrip roundTrip) {
        loadLateClasses();
        // the production classes, key type and layouts: compiled code specialised for another key class
        // or call shape is thrown away (deoptimised) when the real calls arrive
        ChunkCipher cipher = new ChunkCipher(new SubKey("AES", new byte[SubKey.LENGTH]), new java.security.SecureRandom());
        ChunkIdHasher hasher = new ChunkIdHasher(new SubKey("HmacSHA256", new byte[SubKey.LENGTH]));
        byte[] block = new byte[BLOCK];
        new java.util.Random(1).nextBytes(block); // incompressible: every frame takes the cipher's path
        long cpu = 0;
        for (int done = 0; done < ROUND_TRIPS && cpu < LIMIT_NANOS; done += ROUND_TRIPS_PER_THREAD) {
            long[] used = new long[1];
            Thread batch = new Thread(() -> used[0] = runBatch(roundTrip, cipher, hasher, block), "tgcryptfs-jit-warmup");
            batch.setDaemon(true);
            batch.start();
            try {
                batch.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            cpu += used[0];
        }
    }

    /**
     * Loads classes that would otherwise arrive later and throw the compiled crypto path away. HotSpot
     * compiles {@code ByteBuffer.putLong} and its kin as direct calls while {@code HeapByteBuffer} has no
     * subclass loaded; the first read-only heap buffer (the metrics reporter makes one at its first tick,
     * seconds after the warm-up) invalidated every method compiled that way, the chunk format's seal and
     * frame open among them (-XX:+LogCompilation: dependency_failed, witness HeapByteBufferR), and the
     * first cold read then ran on interpreted and C1 code at ~360 MB/s until HotSpot compiled it again.
     */
    private static void loadLateClasses() {
        java.nio.ByteBuffer.allocate(16).asReadOnlyBuffer().getLong(0);
        java.nio.ByteBuffer.allocateDirect(16).asReadOnlyBuffer().getLong(0);
    }

    /**
     * One batch on a thread of its own: its first calls take the branches of a thread's first cipher and
     * MAC (a new {@code Cipher} has no provider chosen and no key schedule yet). Warmed on one thread only,
     * the JIT compiled those branches out, and each FUSE thread's first read threw the compiled decrypt
     * path away: the first cold read after a mount ran at ~350 MB/s, later ones at ~550. Returns the
     * batch's CPU time (not wall time: on a busy machine the warm-up must not lose its budget to waiting).
     */
    private static long runBatch(RoundTrip roundTrip, ChunkCipher cipher, ChunkIdHasher hasher, byte[] block) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long start = threads.getCurrentThreadCpuTime();
        try {
            for (int i = 0; i < ROUND_TRIPS_PER_THREAD; i++) {
                roundTrip.run(cipher, hasher, block);
            }
        } catch (IntegrityException | RuntimeException e) {
            // a warm-up failure only costs speed; the real calls report real errors
        }
        return threads.getCurrentThreadCpuTime() - start;
    }
}
