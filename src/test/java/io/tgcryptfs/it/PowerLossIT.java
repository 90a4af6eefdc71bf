package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What survives a power loss. The state directory sits on a {@link PowerCut} file system that keeps
 * everything not fsync'd in memory only; at a cut it discards all of it (mode {@code drop}), and the
 * mount process is SIGKILLed at the same moment. The backing directory is then the disk after the power
 * loss: the power-cut fs is mounted again over it, tgcryptfs is mounted on that state and must come up,
 * and every byte whose fsync returned must be there. Bytes written after the last fsync may or may not
 * be (each byte must hold its fsync'd value or one written after it). Beside the two band files, small
 * files are created (fsync'd or not), and a token is replaced Time Machine's way (a temporary file
 * fsync'd and renamed over it): it must hold a content that was renamed in, never a torn or empty one.
 *
 * <p>Blocks are sealed after 1 s ({@code dirty.expiry}) and a restore point is captured every second
 * ({@code metadata.max-unbacked = 2s}), so seals, journal marks and captures (which sync LMDB) run all
 * the time. Each round is one of: a cut at a random moment while writing and fsyncing; a cut after the
 * last fsync once the files were closed, as soon as the next capture (which seals every block, so the
 * journal records are superseded by marks in LMDB) has synced LMDB and starts writing its segment,
 * before the pack is forced; a cut as soon as a capture starts writing its segment while writing goes on. Seeded: {@code -Dpowerloss.seed}, {@code -Dpowerloss.rounds};
 * {@code -Dpowerloss.subset=true} also runs the same rounds in mode {@code subset} (a random part of
 * what was not synced survives, as kernel writeback would leave it).
 */
@Timeout(value = 900, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PowerLossIT {
    private static final long SEED = Long.getLong("powerloss.seed", 20_261_129L);
    private static final int ROUNDS = Integer.getInteger("powerloss.rounds", 12);
    private static final int SPAN = 4 << 20;

    @Test
    void everyFsyncdByte_survivesPowerLoss() throws Exception {
        run("drop", 0, Boolean.getBoolean("powerloss.sync-every-commit"));
    }

    /**
     * Partial writeback: only safe with {@code metadata.sync-every-commit = true}; with the default
     * ({@code -Dpowerloss.sync-every-commit=false}) LMDB under MDB_NOSYNC can come back inconsistent.
     */
    @Test
    void everyFsyncdByte_survivesPowerLossDuringWriteback_withSyncEveryCommit() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("powerloss.subset"), "-Dpowerloss.subset=true");
        run("subset", 0.5, Boolean.parseBoolean(System.getProperty("powerloss.sync-every-commit", "true")));
    }

    /** Small files created and fsync'd: each must come back whole (its name too: LMDB is synced by the fsync). */
    private static final class SmallFiles {
        final Path dir;
        final java.util.Map<Path, byte[]> durable = new java.util.concurrent.ConcurrentHashMap<>();
        final java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        /** The token's content at its last rename followed by a directory fsync (null: none), and renamed in since. */
        private byte[] tokenDurable;
        private final List<byte[]> tokenSince = new ArrayList<>();
        private int tokensReplaced;

        SmallFiles(Path dir) {
            this.dir = dir;
        }

        /** Creates one, writes it, fsyncs it, sometimes not: only a returned fsync makes it count. */
        void create(Random random) throws IOException {
            Path p = dir.resolve("small-" + next.incrementAndGet());
            byte[] data = new byte[1 + random.nextInt(20_000)];
            random.nextBytes(data);
            boolean fsync = random.nextInt(3) != 0;
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(data);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                if (fsync) {
                    ch.force(false);
                    durable.put(p, data);
                }
            }
        }

        /**
         * Time Machine's way to replace a small file: the new content into a temporary file, fsync'd, closed
         * and renamed over the old one, the directory fsync'd half the time. The replaced file's unsealed
         * bytes are dropped at the rename; a cut that takes the rename back must bring them back with it.
         */
        synchronized void replaceToken(Random random) throws IOException {
            byte[] data = new byte[1 + random.nextInt(20_000)];
            random.nextBytes(data);
            Path tmp = dir.resolve("token.tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(data);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(false);
            }
            tokenSince.add(data); // before the rename: a cut may interrupt the call after it took effect
            Files.move(tmp, dir.resolve("token"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            tokensReplaced++;
            if (random.nextBoolean()) {
                try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                    d.force(true);
                }
                tokenDurable = data;
                tokenSince.clear();
            }
        }

        synchronized int tokensReplaced() {
            return tokensReplaced;
        }

        /** The token holds its last directory-fsync'd content or one renamed in since, never anything else. */
        private synchronized void verifyToken(String round) throws IOException {
            Path token = dir.resolve("token");
            byte[] actual = Files.exists(token) ? Files.readAllBytes(token) : null;
            boolean expected = actual == null ? tokenDurable == null
                    : Arrays.equals(actual, tokenDurable) || tokenSince.stream().anyMatch(c -> Arrays.equals(c, actual));
            if (!expected) {
                fail(round + ": the token holds " + (actual == null ? "nothing" : actual.length + " bytes")
                        + ", none of the contents renamed over it since its last directory fsync ("
                        + (tokenDurable == null ? "none" : tokenDurable.length + " bytes") + ") or after it ("
                        + tokenSince.size() + ")");
            }
            tokenDurable = actual; // what survived is where the next round starts from
            tokenSince.clear();
        }

        void verify(String round) throws IOException {
            verifyToken(round);
            for (var e : durable.entrySet()) {
                if (!Files.exists(e.getKey())) {
                    fail(round + ": " + e.getKey().getFileName() + " was created and fsync'd, and is gone");
                }
                byte[] actual = Files.readAllBytes(e.getKey());
                if (!Arrays.equals(e.getValue(), actual)) {
                    fail(round + ": " + e.getKey().getFileName() + " was fsync'd with " + e.getValue().length
                            + " bytes and holds " + actual.length + " others (first difference at "
                            + Arrays.mismatch(e.getValue(), actual) + ")");
                }
            }
        }
    }

    /** A file under test: its content at the last fsync that returned, and the writes since. */
    private static final class Tracked {
        final Path path;
        byte[] current = new byte[0];
        int size;
        byte[] confirmed = new byte[0];
        final List<long[]> afterOffsets = new ArrayList<>();
        final List<byte[]> afterData = new ArrayList<>();
        FileChannel channel;
        long fsyncs;
        long writes;

        Tracked(Path path) {
            this.path = path;
        }

        void open() throws IOException {
            channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        }

        void closeQuietly() {
            try {
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException ignored) {
                // ENOTCONN from the dead mount
            }
            channel = null;
        }

        void write(Random random) throws IOException {
            int length = 1 + random.nextInt(64 << 10);
            int at = random.nextInt(SPAN - length);
            byte[] data = new byte[length];
            random.nextBytes(data);
            afterOffsets.add(new long[] {at});
            afterData.add(data); // recorded before the write: it may reach the disk even if the call fails
            ByteBuffer buffer = ByteBuffer.wrap(data);
            while (buffer.hasRemaining()) {
                channel.write(buffer, at + buffer.position());
            }
            if (current.length < SPAN) {
                current = Arrays.copyOf(current, SPAN);
            }
            System.arraycopy(data, 0, current, at, length);
            size = Math.max(size, at + length);
            writes++;
        }

        void fsync() throws IOException {
            channel.force(false);
            confirmed = Arrays.copyOf(current, size);
            afterOffsets.clear();
            afterData.clear();
            fsyncs++;
        }

        /** Checks the file after the restart and takes what it holds as the new baseline. */
        void verify(String round) throws IOException {
            byte[] actual = Files.exists(path) ? Files.readAllBytes(path) : null;
            if (actual == null) {
                fail(round + ": " + path.getFileName() + " is gone (it was fsync'd with " + confirmed.length + " bytes)");
            }
            long maxEnd = confirmed.length;
            for (int i = 0; i < afterData.size(); i++) {
                maxEnd = Math.max(maxEnd, afterOffsets.get(i)[0] + afterData.get(i).length);
            }
            if (actual.length < confirmed.length || actual.length > maxEnd) {
                fail(round + ": " + path.getFileName() + " has " + actual.length + " bytes; fsync'd " + confirmed.length
                        + ", at most " + maxEnd + " written");
            }
            long bad = 0;
            long firstBad = -1;
            for (int x = 0; x < actual.length; x++) {
                byte durable = x < confirmed.length ? confirmed[x] : 0;
                if (actual[x] == durable) {
                    continue;
                }
                boolean later = false;
                for (int i = afterData.size() - 1; i >= 0 && !later; i--) {
                    long off = afterOffsets.get(i)[0];
                    byte[] d = afterData.get(i);
                    later = x >= off && x < off + d.length && d[(int) (x - off)] == actual[x];
                }
                if (!later) {
                    bad++;
                    if (firstBad < 0) {
                        firstBad = x;
                    }
                }
            }
            if (bad > 0) {
                fail(round + ": " + path.getFileName() + ": " + bad + " bytes hold neither their fsync'd value nor a later"
                        + " write, the first at offset " + firstBad + " (block " + firstBad / (256 << 10) + ")");
            }
            current = Arrays.copyOf(actual, Math.max(SPAN, actual.length));
            size = actual.length;
            confirmed = actual;
            afterOffsets.clear();
            afterData.clear();
        }
    }

    private void run(String mode, double keep, boolean syncEveryCommit) throws Exception {
        System.out.printf("[PowerLossIT] mode %s, metadata.sync-every-commit=%s, seed %d, %d rounds (-Dpowerloss.seed, "
                + "-Dpowerloss.rounds)%n", mode, syncEveryCommit, SEED, ROUNDS);
        Random random = new Random(SEED);
        MountFixture fs = new MountFixture()
                .withProperty("dirty.expiry", "1s")
                .withProperty("metadata.max-unbacked", "2s")
                .withProperty("pack.target-size", "4MiB")
                .withProperty("metadata.sync-every-commit", Boolean.toString(syncEveryCommit));
        Path data = fs.dataHome();
        Path backing = Files.createDirectory(fs.workDir().resolve("disk"));
        Path harnessLog = fs.workDir().resolve("powercut.log");
        PowerCut disk = PowerCut.mount(backing, data, harnessLog, mode, random.nextLong(), keep);
        try {
            fs.start();
            Path dir = fs.newDir("power");
            Tracked[] files = {new Tracked(dir.resolve("band-0")), new Tracked(dir.resolve("band-1"))};
            SmallFiles small = new SmallFiles(dir);
            for (Tracked t : files) {
                t.open();
                t.fsync();
            }
            for (int round = 1; round <= ROUNDS; round++) {
                int kind = random.nextInt(3);
                long writerSeed = random.nextLong();
                long delay = 300 + random.nextInt(2700);
                for (Tracked t : files) {
                    if (t.channel == null) {
                        t.open();
                    }
                }
                long t0 = System.nanoTime();
                String what;
                String cut;
                if (kind == 1) {
                    // fsync, close, cut as soon as the next capture (which seals every block, superseding
                    // the journal records, and syncs LMDB first) writes its segment: the pack's new bytes
                    // were never forced (a little later the publisher closes, and so forces, the pack)
                    what = "after seals, at the next capture";
                    Random w = new Random(writerSeed);
                    int writes = 5 + w.nextInt(40);
                    for (int i = 0; i < writes; i++) {
                        if (w.nextInt(8) == 0) {
                            small.create(w);
                        }
                        if (w.nextInt(8) == 0) {
                            small.replaceToken(w);
                        }
                        Tracked t = files[w.nextInt(files.length)];
                        t.write(w);
                        if (w.nextInt(4) == 0) {
                            t.fsync();
                        }
                    }
                    for (Tracked t : files) {
                        t.fsync();
                        t.closeQuietly();
                    }
                    Thread.sleep(100 + delay / 10);
                    awaitNewSegment(backing, 10_000);
                    cut = disk.cut();
                } else {
                    AtomicBoolean stop = new AtomicBoolean();
                    Thread writer = new Thread(() -> writeUntilStopped(files, small, new Random(writerSeed), stop), "writer");
                    writer.start();
                    if (kind == 0) {
                        what = "random moment";
                        Thread.sleep(delay);
                    } else {
                        what = "during a capture";
                        awaitNewSegment(backing, 10_000);
                    }
                    cut = disk.cut();
                    stop.set(true);
                    fs.crash();
                    writer.join(60_000);
                    assertTrue(!writer.isAlive(), "the writer stopped");
                }
                if (kind == 1) {
                    fs.crash();
                }
                for (Tracked t : files) {
                    t.closeQuietly();
                }
                long t1 = System.nanoTime();
                disk.remount();
                long tDisk = System.nanoTime();
                fs.start();
                long t2 = System.nanoTime();
                long writes = 0;
                long fsyncs = 0;
                for (Tracked t : files) {
                    writes += t.writes;
                    fsyncs += t.fsyncs;
                    t.verify("round " + round + " (" + what + ")");
                }
                small.verify("round " + round + " (" + what + ")");
                System.out.printf("[PowerLossIT] round %d (%s): %d writes, %d fsyncs, %d small files fsync'd, %d tokens replaced so far; %s; "
                                + "cut+kill %d ms, power-cut fs up %d ms, mount %d ms, %s%n", round, what, writes, fsyncs, small.durable.size(),
                        small.tokensReplaced(), cut, (t1 - t0) / 1_000_000,
                        (tDisk - t1) / 1_000_000, (t2 - tDisk) / 1_000_000, fs.log().contains("replayed") ? "journal replayed" : "nothing to replay");
            }
            fs.stop();
        } catch (Throwable t) {
            System.out.println("[PowerLossIT] mount log:\n" + fs.logTail());
            try {
                fs.close(); // must not hide the failure: a clean unmount may fail after it too
            } catch (Throwable c) {
                t.addSuppressed(c);
            }
            throw t;
        } finally {
            try {
                fs.close();
            } finally {
                disk.close();
            }
        }
    }

    /** Writes and fsyncs until stopped or the file system dies under it. */
    private static void writeUntilStopped(Tracked[] files, SmallFiles small, Random random, AtomicBoolean stop) {
        try {
            while (!stop.get()) {
                if (random.nextInt(8) == 0) {
                    small.create(random);
                }
                if (random.nextInt(8) == 0) {
                    small.replaceToken(random);
                }
                Tracked t = files[random.nextInt(files.length)];
                t.write(random);
                if (random.nextInt(3) == 0) {
                    t.fsync();
                }
            }
        } catch (IOException | RuntimeException e) {
            // the cut: EIO, then ENOTCONN once the mount is killed
        }
    }

    /** Waits until a metadata capture creates a new segment file in the state directory (on the backing disk). */
    private static void awaitNewSegment(Path backing, long timeoutMillis) throws Exception {
        Path metalog = backing.resolve("tgcryptfs").resolve("metalog");
        Set<String> seen = segments(metalog);
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            Set<String> now = segments(metalog);
            now.removeAll(seen);
            if (!now.isEmpty()) {
                return;
            }
            Thread.sleep(2);
        }
    }

    private static Set<String> segments(Path metalog) {
        if (!Files.isDirectory(metalog)) {
            return new HashSet<>();
        }
        try (Stream<Path> s = Files.list(metalog)) {
            return new HashSet<>(s.map(p -> p.getFileName().toString()).toList());
        } catch (IOException e) {
            return new HashSet<>();
        }
    }
}
