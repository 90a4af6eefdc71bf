package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 6: restore points keep up with a backend that never catches up, and a machine killed at any
 * moment restores on a new state directory to a point that is intact and recent.
 *
 * <p>The local backend is slowed to {@value #UPLINK_MIB_PER_SECOND} MiB/s while a writer keeps writing
 * twice that: each file {@code f-<n>} is written under a temporary name from a seeded PRNG, fsynced,
 * renamed and its directory fsynced, so its content follows from (seed, n) alone. `tgcryptfs status`
 * (outbox backlog, newest published point and its age, captured points waiting) is polled throughout,
 * each time after listing the outbox directory: every pack sealed before the oldest pack still there has
 * been uploaded, so a point captured before that could have been published.
 *
 * <p>Part A writes for {@value #PART_A_SECONDS} s with the outbox never draining and checks that points
 * are still captured about every {@code max-unbacked / 2}, that the root record moves on several times,
 * and that the newest point is never older than the oldest waiting pack's wait plus
 * {@code metadata.max-unbacked} (plus {@link #PACKS_SLACK}), nor older than the backlog's upload time
 * plus {@code max-unbacked} (plus {@link #SLACK}). Then it kills the mount as part B does.
 *
 * <p>Part B SIGKILLs the mount at seeded random moments while the writer writes, wipes everything but
 * the backend and mounts again (which restores). Every file present must be intact; every file the
 * restored point covers (committed before its capture, or shown by the previous restore) must be
 * present; no file renamed after the capture and none lost in an earlier crash may be; the point must
 * be at least the newest one `status` reported before the kill, and no older than the same two bounds.
 *
 * <p>{@code -Dcrash.seed=N} repeats a run (the seed is printed), {@code -Dcrash.rounds=N} kills more often.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CrashRestoreIT {
    private static final long SEED = Long.getLong("crash.seed", 20_261_128L);
    private static final int ROUNDS = Integer.getInteger("crash.rounds", 3);

    private static final int UPLINK_MIB_PER_SECOND = 3;
    private static final long UPLINK_BYTES_PER_SECOND = UPLINK_MIB_PER_SECOND << 20;
    private static final long WRITE_BYTES_PER_SECOND = 2 * UPLINK_BYTES_PER_SECOND;
    private static final Duration MAX_UNBACKED = Duration.ofSeconds(2);
    /** Allowance for a loaded test machine on top of backlog + max-unbacked. */
    private static final Duration SLACK = Duration.ofSeconds(10);
    /**
     * A point's capture time is taken after its segments are written, a little after the metadata view;
     * a file committed this close before it may fall just outside the point.
     */
    private static final long COVER_MARGIN_MILLIS = 1000;
    /**
     * Allowance for the tighter bound: a point may be no older than the wait of the oldest pack still in
     * the outbox plus max-unbacked (a pack's fill time, whole seconds in the status, a loaded machine).
     */
    private static final Duration PACKS_SLACK = Duration.ofSeconds(3);
    private static final int PART_A_SECONDS = 25;
    private static final Duration PART_A_WRITING = Duration.ofSeconds(PART_A_SECONDS);
    /** Part A's checks start once the backlog has built up. */
    private static final Duration LOADED_AFTER = Duration.ofSeconds(5);
    /**
     * Distinct newest points part A wants to see in its last 20 s of writing: the oldest waiting pack's
     * seal time moves on about 10 s meanwhile (half the time, at twice the uplink's speed), and with a
     * point captured every second each published within max-unbacked (2 s) of its packs, the newest point
     * moves on at least every 2 s of that.
     */
    private static final int MIN_ADVANCES = 5;
    private static final Duration KILL_AFTER_MIN = Duration.ofSeconds(6);
    private static final Duration KILL_AFTER_SPREAD = Duration.ofSeconds(14);
    private static final double MIB = 1 << 20;

    private static final Pattern OUTBOX = Pattern.compile("outbox: (\\d+) packs, ([\\d.,]+) MiB waiting for upload");
    private static final Pattern NEWEST = Pattern.compile("newest restore point: #(\\d+)(?:, captured (\\d+) (s|min|h) ago)?");
    private static final Pattern WAITING = Pattern.compile("metadata not on the backend yet: (\\d+) restore points waiting");
    private static final Pattern RESTORED = Pattern.compile(
            "restored restore point #(\\d+), captured (\\S+), .*? ago: (\\d+) files, ([\\d.,]+) MiB of file data");

    private static MountFixture fixture() {
        return new MountFixture()
                .withProperty("metadata.max-unbacked", MAX_UNBACKED.toSeconds() + "s")
                .withProperty("backend.local.upload-bytes-per-second", UPLINK_MIB_PER_SECOND + "MiB")
                .withProperty("pack.target-size", "2MiB")
                .withProperty("dirty.expiry", "1s");
    }

    @Test
    void restorePointsAdvance_whileTheOutboxNeverDrains() throws Exception {
        long seed = SEED;
        System.out.println("[CrashRestoreIT] part A, seed " + seed + " (repeat with -Dcrash.seed=" + SEED + ")");
        try (MountFixture fs = fixture()) {
            try {
                fs.start();
                long mounted = System.currentTimeMillis();
                Path dir = Files.createDirectory(fs.root().resolve("data"));
                Path rootRecord = fs.stateDir().resolve("backend").resolve("root");
                Writer writer = new Writer(dir, seed, new AtomicLong(), WRITE_BYTES_PER_SECOND);
                writer.start("part-a");
                long start = System.currentTimeMillis();
                List<Status> samples = new ArrayList<>();
                List<byte[]> roots = new ArrayList<>();
                roots.add(Files.readAllBytes(rootRecord));
                int rootChangesWhileLoaded = 0;
                while (System.currentTimeMillis() - start < PART_A_WRITING.toMillis()) {
                    if (writer.failure != null) {
                        fail("the writer failed", writer.failure);
                    }
                    Status s = Status.of(fs);
                    samples.add(s);
                    byte[] root = Files.readAllBytes(rootRecord);
                    if (!Arrays.equals(root, roots.get(roots.size() - 1))) {
                        roots.add(root);
                        if (s.millis - start >= LOADED_AFTER.toMillis() && s.pendingPacks > 0) {
                            rootChangesWhileLoaded++;
                        }
                    }
                }
                Status last = samples.get(samples.size() - 1);
                long stopped = System.currentTimeMillis();
                if (writer.failure != null) {
                    fail("the writer failed", writer.failure);
                }

                double seconds = (stopped - start) / 1000.0;
                System.out.printf("[CrashRestoreIT] part A: wrote %d files, %.1f MiB in %.1f s (%.1f MiB/s); the root record "
                                + "changed %d times%n%s%n", writer.done.size(), writer.written.get() / MIB, seconds,
                        writer.written.get() / MIB / seconds, roots.size() - 1, table(samples));

                List<Status> loaded = samples.stream().filter(s -> s.millis - start >= LOADED_AFTER.toMillis()).toList();
                List<String> problems = new ArrayList<>();
                // the premise: the backend is slower than the writer, so the outbox never drains
                if (loaded.size() < 5) {
                    problems.add("only " + loaded.size() + " status samples after the first " + LOADED_AFTER.toSeconds() + " s");
                }
                for (Status s : loaded) {
                    if (s.pendingPacks == 0) {
                        problems.add(s + ": the outbox drained although the writer writes faster than the uplink (the premise)");
                    }
                }
                // a point is captured at least every max-unbacked / 2 while anything changes (here: at least every
                // max-unbacked on average, for a busy machine); its sequence is the count of captures so far
                if (loaded.size() >= 2) {
                    Status first = loaded.get(0);
                    long captures = last.capturedSequence() - first.capturedSequence();
                    long expected = (last.millis - first.millis) / MAX_UNBACKED.toMillis();
                    if (captures < expected) {
                        problems.add(String.format("only %d restore points were captured in %.1f s of writing (points #%d to #%d); "
                                        + "one every %d ms is promised, at least %d expected", captures,
                                (last.millis - first.millis) / 1000.0, first.capturedSequence(), last.capturedSequence(),
                                MAX_UNBACKED.toMillis() / 2, expected));
                    }
                }
                // restore points still advance, each no older than the wait of the packs it needs plus max-unbacked,
                // and so no older than the backlog plus max-unbacked
                long distinct = loaded.stream().mapToLong(s -> s.newestSequence).filter(q -> q > 0).distinct().count();
                if (distinct < MIN_ADVANCES || rootChangesWhileLoaded < MIN_ADVANCES) {
                    problems.add(String.format("restore points advanced too rarely while the outbox never drained: %d distinct "
                                    + "newest points and %d root record changes in the last %d s of writing (at least %d expected; "
                                    + "a point is captured every %d ms)", distinct, rootChangesWhileLoaded,
                            (stopped - start) / 1000 - LOADED_AFTER.toSeconds(), MIN_ADVANCES, MAX_UNBACKED.toMillis() / 2));
                }
                for (Status s : loaded) {
                    // before the first point is published, the empty volume at mount time is the newest state on the backend
                    double age = s.newestSequence == 0 ? (s.millis - mounted) / 1000.0 : s.newestAgeSeconds;
                    String newest = s.newestSequence == 0 ? "no point is published yet, " + age + " s after the mount" : "the newest point";
                    double byPacks = s.oldestWaitingSeconds() + MAX_UNBACKED.toSeconds() + PACKS_SLACK.toSeconds();
                    if (age > byPacks) {
                        problems.add(String.format("%s: %s is older than the oldest waiting pack's wait + max-unbacked + %d s slack "
                                + "= %.1f s", s, newest, PACKS_SLACK.toSeconds(), byPacks));
                    }
                    double byBacklog = s.backlogSeconds() + MAX_UNBACKED.toSeconds() + SLACK.toSeconds();
                    if (age > byBacklog) {
                        problems.add(String.format("%s: %s is older than the backlog + max-unbacked + %d s slack = %.1f s",
                                s, newest, SLACK.toSeconds(), byBacklog));
                    }
                }

                // what the newest point covers comes back on a new machine
                Round round = new Round(0, writer, last, mounted, 0);
                problems.addAll(round.crashAndRestore(fs, new TreeSet<>()).problems());
                if (!problems.isEmpty()) {
                    fail("part A (seed " + seed + "):\n" + String.join("\n", problems) + "\n" + table(samples));
                }
            } finally {
                crashIfMounted(fs); // an unmount would first upload the whole backlog
            }
        }
    }

    @Test
    void killedAtRandomMoments_restoresAnIntactRecentPoint() throws Exception {
        long seed = SEED + 1;
        System.out.println("[CrashRestoreIT] part B, seed " + seed + " (repeat with -Dcrash.seed=" + SEED + "), "
                + ROUNDS + " rounds (-Dcrash.rounds)");
        SplittableRandom random = new SplittableRandom(seed);
        AtomicLong names = new AtomicLong();
        TreeSet<Long> present = new TreeSet<>();
        long previousSequence = 0;
        List<String> problems = new ArrayList<>();
        try (MountFixture fs = fixture()) {
            try {
                fs.start();
                Files.createDirectory(fs.root().resolve("data"));
                for (int r = 1; r <= ROUNDS; r++) {
                    long mounted = System.currentTimeMillis();
                    long killAfter = KILL_AFTER_MIN.toMillis() + random.nextLong(KILL_AFTER_SPREAD.toMillis());
                    Writer writer = new Writer(fs.root().resolve("data"), seed, names, WRITE_BYTES_PER_SECOND);
                    writer.start("round-" + r);
                    long start = System.currentTimeMillis();
                    List<Status> samples = new ArrayList<>();
                    while (true) {
                        long left = start + killAfter - System.currentTimeMillis();
                        if (left <= 0) {
                            break;
                        }
                        if (!samples.isEmpty() && left < 2 * samples.get(samples.size() - 1).tookMillis) {
                            Thread.sleep(left); // waiting for the chosen moment, not for a condition
                            break;
                        }
                        samples.add(Status.of(fs));
                    }
                    assertFalse(samples.isEmpty(), "no status before the kill");
                    Status last = samples.get(samples.size() - 1);
                    System.out.printf("[CrashRestoreIT] round %d: SIGKILL %.1f s after the writer started, %d files committed%n%s%n",
                            r, (System.currentTimeMillis() - start) / 1000.0, writer.done.size(), table(samples));
                    Round round = new Round(r, writer, last, mounted, previousSequence);
                    Restored restored = round.crashAndRestore(fs, present);
                    problems.addAll(restored.problems());
                    if (restored.sequence() < previousSequence) {
                        problems.add("round " + r + ": restored point #" + restored.sequence() + ", older than #" + previousSequence
                                + " restored before");
                    }
                    previousSequence = restored.sequence();
                }
            } finally {
                crashIfMounted(fs); // an unmount would first upload the whole backlog
            }
        }
        if (!problems.isEmpty()) {
            fail("part B (seed " + seed + "):\n" + String.join("\n", problems));
        }
    }

    /** A restore: the point's sequence, and what was wrong with it. */
    private record Restored(long sequence, List<String> problems) {
    }

    /**
     * One kill: the writer, the last status before the kill, when this mount came up and the sequence
     * it was restored from (0 for a new volume).
     */
    private record Round(int number, Writer writer, Status lastStatus, long mountedMillis, long startSequence) {

        /**
         * SIGKILLs the mount, wipes all but the backend, mounts (which restores) and checks the restore;
         * {@code present} holds the files the previous restore showed and gets this one's. Damaged files
         * fail at once; what else is wrong is returned, so one run reports every round.
         */
        Restored crashAndRestore(MountFixture fs, TreeSet<Long> present) throws Exception {
            long kill = System.currentTimeMillis();
            fs.crash();
            writer.stop = true;
            writer.thread.join(Duration.ofSeconds(60).toMillis());
            assertFalse(writer.thread.isAlive(), "the writer did not stop after the crash");
            if (writer.failure != null && !(writer.failure instanceof IOException)) {
                fail("the writer failed", writer.failure);
            }
            fs.wipeAllButTheBackend();
            assertEquals(List.of("backend"), list(fs.stateDir()), "only the backend is left");
            fs.start();

            String log = fs.log();
            Matcher m = RESTORED.matcher(log);
            assertTrue(m.find(), "round " + number + ": no restore line in the mount's output\n" + fs.logTail());
            long sequence = Long.parseLong(m.group(1));
            long captured = Instant.parse(m.group(2)).toEpochMilli();
            System.out.printf("[CrashRestoreIT] round %d: %s (%.1f s before the kill)%n", number, m.group(),
                    (kill - captured) / 1000.0);
            List<String> problems = new ArrayList<>();
            String round = "round " + number + " (seed " + writer.seed + "): ";
            if (log.contains("could not be read")) {
                problems.add(round + "the restore fell back to the point before the newest\n" + fs.logTail());
            }
            // everything published before the kill stays restorable
            if (sequence < lastStatus.newestSequence) {
                problems.add(round + "restored point #" + sequence + ", but #" + lastStatus.newestSequence
                        + " was published before the kill");
            }
            // the point is recent. A restart from the same point as this mount's start changed nothing before
            // the mount came up, so its age counts from then.
            long effective = sequence == startSequence && startSequence > 0 ? Math.max(captured, mountedMillis) : captured;
            long byBacklog = kill - Math.round(lastStatus.backlogSeconds() * 1000) - MAX_UNBACKED.toMillis() - SLACK.toMillis();
            if (effective < byBacklog) {
                problems.add(String.format("%srestored point #%d was captured %.1f s before the kill; with %.1f s of upload "
                                + "waiting at the last status, at most backlog + max-unbacked + %d s slack = %.1f s allowed; last "
                                + "status: %s", round, sequence, (kill - effective) / 1000.0, lastStatus.backlogSeconds(),
                        SLACK.toSeconds(), (kill - byBacklog) / 1000.0, lastStatus));
            }
            long byPacks = lastStatus.oldestWaitingMillis - MAX_UNBACKED.toMillis() - PACKS_SLACK.toMillis();
            if (effective < byPacks) {
                problems.add(String.format("%srestored point #%d was captured %.1f s before the oldest pack still waiting at the "
                                + "last status was sealed (everything sealed earlier was uploaded); at most max-unbacked + %d s "
                                + "slack allowed; last status: %s", round, sequence,
                        (lastStatus.oldestWaitingMillis - effective) / 1000.0, PACKS_SLACK.toSeconds(), lastStatus));
            }

            Path dir = fs.root().resolve("data");
            assertTrue(Files.isDirectory(dir), round + "the data directory did not come back\n" + fs.logTail());
            TreeMap<Long, Path> files = new TreeMap<>();
            List<Path> partial = new ArrayList<>();
            try (Stream<Path> entries = Files.list(dir)) {
                for (Path p : entries.toList()) {
                    String name = p.getFileName().toString();
                    if (name.startsWith("f-")) {
                        files.put(Long.parseLong(name.substring(2)), p);
                    } else if (name.startsWith("tmp-")) {
                        partial.add(p);
                    } else {
                        problems.add(round + "unexpected file " + p);
                    }
                }
            }
            // every file present is intact
            List<String> damaged = new ArrayList<>();
            for (Map.Entry<Long, Path> e : files.entrySet()) {
                String problem = Writer.check(writer.seed, e.getKey(), e.getValue());
                if (problem != null) {
                    damaged.add(e.getValue().getFileName() + ": " + problem);
                }
            }
            assertTrue(damaged.isEmpty(), round + "restored point #" + sequence + ": files differ from what was written:\n"
                    + String.join("\n", damaged) + "\n" + fs.logTail());
            // every file the point covers is present: those the previous restore showed, and those committed
            // (fsync, rename, fsync of the directory) before the point was captured; and no file lost before is back
            List<Long> missing = new ArrayList<>();
            for (long n : present) {
                if (!files.containsKey(n)) {
                    missing.add(n);
                }
            }
            int covered = 0;
            int afterCapture = 0;
            for (Map.Entry<Long, Long> e : writer.done.entrySet()) {
                if (e.getValue() < captured - COVER_MARGIN_MILLIS) {
                    covered++;
                    if (!files.containsKey(e.getKey())) {
                        missing.add(e.getKey());
                    }
                } else if (e.getValue() >= captured) {
                    afterCapture++;
                }
            }
            // and nothing from after the capture: the point is one consistent state
            List<Long> fromLater = files.keySet().stream()
                    .filter(n -> writer.renaming.containsKey(n) && writer.renaming.get(n) > captured).toList();
            List<Long> resurrected = files.keySet().stream().filter(n -> n < writer.first && !present.contains(n)).toList();
            System.out.printf("[CrashRestoreIT] round %d: %d files present, all intact (%d from before; of the %d committed "
                            + "this round %d before the capture, %d after it), %d partial temporary files%n",
                    number, files.size(), present.size(), writer.done.size(), covered, afterCapture, partial.size());
            if (!missing.isEmpty()) {
                problems.add(round + "files restore point #" + sequence + " covers are missing: " + missing);
            }
            if (!fromLater.isEmpty()) {
                problems.add(round + "restore point #" + sequence + " holds files renamed only after it was captured: " + fromLater);
            }
            if (!resurrected.isEmpty()) {
                problems.add(round + "files lost in an earlier crash are back: " + resurrected);
            }
            for (Path p : partial) {
                Files.delete(p); // being written when the kill came; their content is undefined
            }
            present.clear();
            present.addAll(files.keySet());
            return new Restored(sequence, problems);
        }
    }

    /**
     * Writes files {@code f-<n>} at a fixed rate: each under {@code tmp-<n>}, fsynced, renamed, then the
     * directory fsynced; records when each was committed. Stops at the first error (the kill) or when told.
     */
    private static final class Writer implements Runnable {
        private static final int CHUNK = 256 << 10;
        final Path dir;
        final long seed;
        final AtomicLong names;
        final long bytesPerSecond;
        final AtomicLong written = new AtomicLong();
        /** n -> wall-clock millis when its rename and the directory fsync had returned. */
        final ConcurrentSkipListMap<Long, Long> done = new ConcurrentSkipListMap<>();
        /** n -> wall-clock millis just before its rename was called. */
        final ConcurrentSkipListMap<Long, Long> renaming = new ConcurrentSkipListMap<>();
        volatile boolean stop;
        volatile Throwable failure;
        Thread thread;
        /** The first name this writer takes; lower ones were written before. */
        long first;

        Writer(Path dir, long seed, AtomicLong names, long bytesPerSecond) {
            this.dir = dir;
            this.seed = seed;
            this.names = names;
            this.bytesPerSecond = bytesPerSecond;
        }

        Thread start(String name) {
            first = names.get();
            thread = new Thread(this, "writer-" + name);
            thread.setDaemon(true);
            thread.start();
            return thread;
        }

        @Override
        public void run() {
            long started = System.nanoTime();
            try {
                while (!stop) {
                    long n = names.getAndIncrement();
                    byte[] data = content(seed, n);
                    Path tmp = dir.resolve("tmp-" + n);
                    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                        for (int off = 0; off < data.length; off += CHUNK) {
                            pace(started);
                            ByteBuffer b = ByteBuffer.wrap(data, off, Math.min(CHUNK, data.length - off));
                            while (b.hasRemaining()) {
                                ch.write(b);
                            }
                            written.addAndGet(Math.min(CHUNK, data.length - off));
                        }
                        ch.force(true);
                    }
                    renaming.put(n, System.currentTimeMillis());
                    Files.move(tmp, dir.resolve("f-" + n), StandardCopyOption.ATOMIC_MOVE);
                    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                        d.force(true);
                    }
                    done.put(n, System.currentTimeMillis());
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        /** Keeps to the rate: sleeps while ahead of it. */
        private void pace(long started) throws InterruptedException {
            long due = started + written.get() * 1_000_000_000L / bytesPerSecond;
            long ahead = due - System.nanoTime();
            if (ahead > 0) {
                Thread.sleep(ahead / 1_000_000, (int) (ahead % 1_000_000));
            }
        }

        /** The content of file n: 200 kB to 2 MB of incompressible bytes, odd sizes, from (seed, n) alone. */
        static byte[] content(long seed, long n) {
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + n);
            byte[] b = new byte[200_000 + r.nextInt(1_800_000)];
            r.nextBytes(b);
            return b;
        }

        /** Null when the file holds exactly content(seed, n), else what differs. */
        static String check(long seed, long n, Path file) throws IOException {
            byte[] expected = content(seed, n);
            byte[] actual;
            try (InputStream in = Files.newInputStream(file)) {
                actual = in.readAllBytes();
            } catch (NoSuchFileException e) {
                return "listed but cannot be opened";
            } catch (IOException e) {
                return "cannot be read: " + e;
            }
            if (actual.length != expected.length) {
                return actual.length + " bytes instead of " + expected.length;
            }
            int at = Arrays.mismatch(actual, expected);
            if (at >= 0) {
                int zeros = 0;
                while (at + zeros < actual.length && actual[at + zeros] == 0 && expected[at + zeros] != 0) {
                    zeros++;
                }
                return "first difference at byte " + at + (zeros > 0 ? " (" + zeros + "+ zero bytes there)" : "");
            }
            return null;
        }
    }

    /** What `tgcryptfs status` said about the outbox and the newest restore point. */
    private record Status(long millis, long tookMillis, long oldestWaitingMillis, int pendingPacks, double pendingMiB,
                          long newestSequence, long newestAgeSeconds, int pointsWaiting, String text) {

        /**
         * Lists the outbox, then asks `tgcryptfs status`. Every pack sealed before the oldest one left in
         * the outbox was uploaded by the time of the status, so a point captured then could be published.
         */
        static Status of(MountFixture fs) throws IOException {
            long before = System.currentTimeMillis();
            long oldestWaiting = oldestPack(fs.stateDir().resolve("outbox"), before);
            ToolResult r = fs.cli("status").assertOk();
            long after = System.currentTimeMillis();
            String text = r.out();
            Matcher outbox = OUTBOX.matcher(text);
            assertTrue(outbox.find(), "no outbox line in the status:\n" + text);
            long sequence = 0;
            long age = -1;
            Matcher newest = NEWEST.matcher(text);
            if (newest.find()) {
                sequence = Long.parseLong(newest.group(1));
                if (newest.group(2) != null) {
                    long v = Long.parseLong(newest.group(2));
                    age = switch (newest.group(3)) {
                        case "s" -> v;
                        case "min" -> v * 60;
                        default -> v * 3600;
                    };
                }
            } else {
                assertTrue(text.contains("restore points: none published yet"), "no restore point line in the status:\n" + text);
            }
            Matcher waiting = WAITING.matcher(text);
            int points = waiting.find() ? Integer.parseInt(waiting.group(1)) : 0;
            return new Status(after, after - before, oldestWaiting, Integer.parseInt(outbox.group(1)),
                    Double.parseDouble(outbox.group(2).replace(',', '.')), sequence, age, points, text);
        }

        /** The newest captured point: the newest published plus those captured after it, still waiting. */
        long capturedSequence() {
            return newestSequence + pointsWaiting;
        }

        double backlogSeconds() {
            return pendingMiB / UPLINK_MIB_PER_SECOND;
        }

        /** Seconds the oldest pack still in the outbox had waited since it was sealed (0 when none waits). */
        double oldestWaitingSeconds() {
            return (millis - oldestWaitingMillis) / 1000.0;
        }

        /** When the pack sealed first among those in {@code outbox} was last written (sealed), or {@code none}. */
        private static long oldestPack(Path outbox, long none) throws IOException {
            long oldest = none;
            try (Stream<Path> packs = Files.list(outbox)) {
                for (Path p : packs.toList()) {
                    try {
                        oldest = Math.min(oldest, Files.getLastModifiedTime(p).toMillis());
                    } catch (NoSuchFileException e) {
                        // uploaded and moved to the cache meanwhile
                    }
                }
            } catch (NoSuchFileException e) {
                return none;
            }
            return oldest;
        }

        @Override
        public String toString() {
            return String.format("%tT.%<tL status: %d packs, %.1f MiB (%.1f s of upload) waiting, the oldest for %.1f s; "
                            + "newest point #%d, %d s old; %d captured points waiting", millis, pendingPacks, pendingMiB,
                    pendingMiB / UPLINK_MIB_PER_SECOND, oldestWaitingSeconds(), newestSequence, newestAgeSeconds, pointsWaiting);
        }
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static String table(List<Status> samples) {
        return String.join("\n", samples.stream().map(s -> "  " + s).toList());
    }

    /** Ends a test without a clean unmount, which would first upload the whole backlog. */
    private static void crashIfMounted(MountFixture fs) {
        if (fs.isMounted()) {
            fs.crash();
        }
    }
}
