package io.tgcryptfs.crypto;

/**
 * Gets HotSpot to compile the AES-GCM and HMAC-SHA256 paths with their CPU intrinsics before real
 * data arrives. A chunk is one call of a whole block, so a fresh JVM makes too few calls for the JIT to
 * notice: measured here (JDK 17), GCM stays near 50-90 MB/s for the first hundreds of megabytes, against
 * 1-4 GB/s once compiled. The warm-up runs block-sized round trips through the production classes (a
 * warm-up with another key class or call shape gets its compiled code thrown away when real calls
 * arrive) until one is fast, or a time limit passes. Uses a throwaway key.
 */
public final class JitWarmup {
    private static final int BLOCK = 256 << 10;
    /** A 256 KiB hash + seal + open under this counts as compiled (about 300 MB/s and more). */
    private static final long FAST_NANOS = 2_500_000;
    private static final long LIMIT_NANOS = 20_000_000_000L;

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
            long start = System.nanoTime();
            for (int i = 0; System.nanoTime() - start < LIMIT_NANOS; i++) {
                long t = System.nanoTime();
                roundTrip(cipher, hasher, block);
                if (System.nanoTime() - t < FAST_NANOS && i >= 16) {
                    return;
                }
            }
        } catch (IntegrityException | RuntimeException e) {
            // a warm-up failure only costs speed; the real calls report real errors
        }
    }

    private static void roundTrip(ChunkCipher cipher, ChunkIdHasher hasher, byte[] plain) throws IntegrityException {
        io.tgcryptfs.fs.ChunkId id = hasher.idOf(plain, 0, plain.length);
        byte[] sealed = cipher.seal(id, 0, plain, 0, plain.length);
        cipher.open(id, sealed, 0, sealed.length);
    }
}
