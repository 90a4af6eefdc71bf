package io.tgcryptfs.gateway;

import io.tgcryptfs.engine.XattrMode;
import io.tgcryptfs.fs.FileKind;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.gateway.ModelFs.Handle;
import io.tgcryptfs.gateway.ModelFs.Node;
import io.tgcryptfs.testing.FakeBlobStore;
import io.tgcryptfs.testing.FixtureOptions;
import io.tgcryptfs.testing.ManualClock;
import io.tgcryptfs.testing.TestVolume;
import io.tgcryptfs.metrics.Metrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A long seeded run of random operations through {@link FsGateway}, as the FUSE adapter makes them,
 * checked against {@link ModelFs}: writes (holes, boundaries, shared and rewritten content for dedup),
 * reads, truncates, renames, hard links, unlinks of open files (directly, and as libfuse does it through a
 * ".fuse_hidden" name), xattrs, fsync, sync, and closing and reopening the volume, cleanly or as a crash.
 * A few names in a few directories make operations collide. Small blocks, a small dirty budget, a small
 * journal, a small pack cache, a cap on live actors and a manual clock, which decides when blocks are cold
 * and actors idle, keep sealing, budget pressure, downloads and passivation busy.
 * A failure names its seed and step and lists the steps before it; {@code -Dmodel.seed=S
 * -Dmodel.steps=N -Dmodel.trace=true} replays one run printing every step. The actors run on their own
 * threads, so when a background seal lands between two steps may differ from run to run; what each
 * step must return does not.
 */
class ModelCheckTest {
    private static final int BS = 4096;
    private static final int BAND = 4 * BS;
    private static final int MAX_SIZE = 10 * BAND;
    private static final String[] NAMES = {"a", "b", "c", "d", "e", "f"};
    private static final String[] XATTRS = {"user.x", "user.y", "user.z"};
    private static final int STEPS = Integer.getInteger("model.steps", 2000);
    private static final boolean TRACE = Boolean.getBoolean("model.trace");

    /** Times are on the manual clock; a budget of 16 KiB is the least the engine takes (4 blocks). */
    record Run(long seed, Duration expiry, long budget, int maxLiveActors, Duration passivateAfter, boolean smallJournal,
               WriteTimes times) {
        @Override
        public String toString() {
            return "seed " + seed;
        }
    }

    static Stream<Run> runs() {
        Stream<Run> all = Stream.of(
                new Run(1, Duration.ofMinutes(10), 1 << 20, 10000, Duration.ofMinutes(10), false, WriteTimes.MOVED_BY_WRITE),
                new Run(2, Duration.ofMillis(20), 64 << 10, 10000, Duration.ofMillis(200), true, WriteTimes.MOVED_BY_WRITE),
                new Run(3, Duration.ofMillis(20), 16 << 10, 10000, Duration.ofSeconds(1), false, WriteTimes.SENT_BY_KERNEL),
                new Run(4, Duration.ofMillis(50), 128 << 10, 3, Duration.ofMillis(100), true, WriteTimes.MOVED_BY_WRITE),
                new Run(5, Duration.ofMillis(5), 32 << 10, 10000, Duration.ofMillis(50), false, WriteTimes.SENT_BY_KERNEL));
        Long only = Long.getLong("model.seed"); // any seed, with the settings of seed (S - 1) % 5 + 1
        return only == null ? all : all.skip(Math.floorMod(only - 1, 5)).limit(1).map(r -> new Run(only, r.expiry(), r.budget(),
                r.maxLiveActors(), r.passivateAfter(), r.smallJournal(), r.times()));
    }

    @TempDir
    Path dir;
    private final ModelFs model = new ModelFs();
    private final List<Handle> handles = new ArrayList<>();
    private final ArrayDeque<String> recent = new ArrayDeque<>();
    private final ManualClock clock = new ManualClock();
    private final FakeBlobStore backend = new FakeBlobStore(); // outlives the opens, as the real one does
    private Run run;
    private Random rnd;
    private FixtureOptions options;
    private TestVolume vol;
    private FsGateway gw;
    private int step;
    private int hidden;
    private byte[][] shared;
    private final Stats stats = new Stats(); // over every open of the run

    @ParameterizedTest(name = "{0}")
    @MethodSource("runs")
    void theEngineAgreesWithTheModel(Run r) {
        run = r;
        rnd = new Random(r.seed());
        shared = new byte[][] {bytes(BS), bytes(BS), bytes(BS)};
        options = FixtureOptions.defaults().blockSize(BS).bandSize(BAND).packTargetSize(32 << 10).cacheMaxBytes(2 << 20)
                .plaintextCacheBytes(16 << 10).dirtyBudgetBytes(r.budget()).dirtyExpiry(r.expiry()).clock(clock)
                .passivateAfter(r.passivateAfter()).maxLiveActors(r.maxLiveActors()).askTimeout(Duration.ofSeconds(30))
                .journalRecordBytes(r.smallJournal() ? 16 << 10 : 64 << 20);
        options.dirtyMaxAge = r.expiry().multipliedBy(3);
        open();
        try {
            for (step = 1; step <= STEPS; step++) {
                oneStep();
                if (step % 25 == 0) {
                    checkTree();
                }
            }
            remount(true);
            System.out.println("seed " + r.seed() + ": " + stats);
            if (STEPS >= 1000) { // a full run, not a short replay: it must have made the engine work
                assertTrue(stats.seals.get() > 0 && stats.dedups.get() > 0, "the run sealed and deduplicated blocks: " + stats);
                assertTrue(r.budget() > 32 << 10 || stats.pressureSignals > 0, "a small budget filled up: " + stats);
            }
        } catch (Throwable t) {
            throw new AssertionError("seed " + r.seed() + " step " + step + ": " + t + "\nlast steps:\n  " + String.join("\n  ", recent), t);
        }
    }

    @AfterEach
    void close() {
        if (vol != null) {
            closeVolume();
        }
    }

    private void open() {
        vol = TestVolume.open(dir, options.backend(backend).metrics(stats).journalSegmentBytes(run.smallJournal() ? 32 << 10 : 1 << 20)
                .nanoTime(() -> clock.instant().toEpochMilli() * 1_000_000L));
        stats.recordsReplayed += vol.recordsReplayed;
        gw = vol.gateway;
    }

    private void closeVolume() {
        stats.bandsStarted += vol.bandIncarnations.get();
        stats.pressureSignals += vol.pressureSignals.get();
        vol.close();
        vol = null;
    }

    /** What the engine did over every open of a run, so a test can tell its run made it work. */
    static final class Stats implements Metrics {
        final AtomicLong seals = new AtomicLong();
        final AtomicLong dedups = new AtomicLong();
        final AtomicLong downloads = new AtomicLong();
        long pressureSignals;
        long bandsStarted;
        long recordsReplayed;

        @Override
        public void chunkSealed(long plainBytes, long storedBytes, boolean deduplicated) {
            (deduplicated ? dedups : seals).incrementAndGet();
        }

        @Override
        public void downloaded(long bytes) {
            downloads.incrementAndGet();
        }

        @Override
        public String toString() {
            return seals + " blocks sealed, " + dedups + " deduplicated, " + downloads + " packs downloaded, "
                    + pressureSignals + " budget pressure signals, " + bandsStarted + " band actors started, "
                    + recordsReplayed + " journal records replayed";
        }
    }

    private void oneStep() {
        int r = rnd.nextInt(200);
        if (r < 54) write();
        else if (r < 76) read();
        else if (r < 92) openOrCreate();
        else if (r < 106) release();
        else if (r < 118) fsync();
        else if (r < 130) truncate();
        else if (r < 142) rename();
        else if (r < 148) link();
        else if (r < 158) unlink();
        else if (r < 164) mkdir();
        else if (r < 170) rmdir();
        else if (r < 174) symlink();
        else if (r < 184) xattr();
        else if (r < 186) op("syncAll", () -> { gw.syncAll(); model.files().forEach(n -> n.unsynced = false); });
        else if (r < 196) {
            long ms = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt((int) run.expiry().toMillis() * 3 + 1);
            op("clock +" + ms + "ms", () -> clock.advance(Duration.ofMillis(ms))); // blocks go cold, actors idle
        } else remount(r == 196); // one in four clean, three in four a crash
    }

    // ---- file data -----------------------------------------------------------------------------

    private void write() {
        Handle h = anyHandle();
        if (h == null) {
            openOrCreate();
            return;
        }
        int size = h.node.size;
        long offset = switch (rnd.nextInt(6)) {
            case 0 -> size; // appending: a stream, sealed as its blocks fill
            case 1 -> (long) rnd.nextInt(size / BS + 2) * BS;
            case 2 -> (long) rnd.nextInt(size / BAND + 2) * BAND - rnd.nextInt(2); // a band's start, or just before
            case 3 -> size + rnd.nextInt(3 * BAND); // past the end: a hole
            default -> rnd.nextInt(size + 1);
        };
        int length = switch (rnd.nextInt(4)) {
            case 0 -> 1 + rnd.nextInt(100);
            case 1 -> 1 + rnd.nextInt(BS);
            case 2 -> BS * (1 + rnd.nextInt(4));
            default -> 1 + rnd.nextInt(3 * BAND);
        };
        long at = Math.max(0, Math.min(offset, MAX_SIZE - 1));
        byte[] data = content(h.node, at, (int) Math.min(length, MAX_SIZE - at));
        op("write " + h + " @" + at + "+" + data.length, () -> {
            gw.write(h.fh, at, data, run.times());
            h.node.write(at, data);
            h.node.unsynced = true;
        });
    }

    /** Random bytes, or bytes that make holes and dedup happen: zeros, shared blocks, the file's own, another file's. */
    private byte[] content(Node node, long offset, int length) {
        int kind = rnd.nextInt(6);
        byte[] data = kind == 0 ? new byte[length] : bytes(length);
        if (kind == 1) {
            byte[] block = shared[rnd.nextInt(shared.length)];
            for (int i = 0; i < length; i++) {
                data[i] = block[(int) ((offset + i) % BS)]; // the same block wherever it lands aligned
            }
        } else if (kind == 2 || kind == 3) {
            List<Node> files = model.files();
            Node from = kind == 2 || files.isEmpty() ? node : files.get(rnd.nextInt(files.size()));
            byte[] there = from.read(offset, length); // rewriting the same bytes, or copying another file's
            System.arraycopy(there, 0, data, 0, there.length);
        }
        return data;
    }

    private void read() {
        Handle h = anyHandle();
        if (h == null) {
            return;
        }
        long offset = rnd.nextInt(3) == 0 ? (long) rnd.nextInt(h.node.size / BS + 2) * BS : rnd.nextInt(h.node.size + BS);
        int length = 1 + rnd.nextInt(rnd.nextBoolean() ? BS : 3 * BAND);
        op("read " + h + " @" + offset + "+" + length, () -> {
            assertArrayEquals(h.node.read(offset, length), gw.read(h.fh, offset, length), at("read " + h));
            assertEquals(h.node.size, gw.getattr(h.fh).size(), at("size of " + h));
        });
    }

    private void fsync() {
        Handle h = anyHandle();
        if (h != null) {
            op("fsync " + h, () -> {
                gw.fsync(h.fh);
                h.node.unsynced = false;
            });
        }
    }

    private void truncate() {
        Handle h = rnd.nextBoolean() ? anyHandle() : null;
        String path = h == null ? randomPath() : null;
        Node node = h != null ? h.node : model.lookup(path);
        int size = node == null || !node.isFile() ? 0 : node.size;
        long to = switch (rnd.nextInt(5)) {
            case 0 -> 0;
            case 1 -> rnd.nextInt(size + 1);
            case 2 -> Math.max(0, (long) rnd.nextInt(size / BS + 3) * BS + rnd.nextInt(3) - 1);
            default -> Math.min(MAX_SIZE, size + rnd.nextInt(2 * BAND));
        };
        if (h != null) {
            op("ftruncate " + h + " " + to, () -> truncated(node, gw.ftruncate(h.fh, to), to));
        } else if (node == null) {
            expect(FsError.NOT_FOUND, "truncate " + path + " " + to, () -> gw.truncate(path, to));
        } else if (node.kind != FileKind.SYMLINK) { // the kernel follows a symlink: never a truncate of one
            expect(node.isDir() ? FsError.IS_DIRECTORY : null, "truncate " + path + " " + to,
                    () -> truncated(node, gw.truncate(path, to), to));
        }
    }

    private void truncated(Node node, Inode result, long to) {
        assertEquals(to, result.size(), at("size a truncate returns"));
        node.truncate(to);
        node.unsynced = false; // a truncate seals the file's dirty blocks before it cuts
    }

    // ---- handles -------------------------------------------------------------------------------

    private void openOrCreate() {
        if (handles.size() >= 6) {
            release();
        }
        String path = randomPath();
        Node node = model.lookup(path);
        Node parent = model.lookup(ModelFs.parentPath(path));
        String name = ModelFs.nameOf(path);
        if (node == null) {
            op("create " + path, () -> {
                Node file = new Node(FileKind.REGULAR, null);
                handles.add(new Handle(gw.create(path, 0644, Caller.ROOT), file, parent, name));
                parent.children.put(name, file);
            });
        } else if (node.isFile()) {
            op("open " + path, () -> handles.add(new Handle(gw.open(path), node, parent, name)));
        } else {
            expect(FsError.EXISTS, "create " + path, () -> gw.create(path, 0644, Caller.ROOT));
        }
    }

    private void release() {
        if (!handles.isEmpty()) {
            release(handles.get(rnd.nextInt(handles.size())));
        }
    }

    /** close(2): flush and release; libfuse then removes its hidden name if no handle is left under it. */
    private void release(Handle h) {
        op("release " + h, () -> {
            gw.flush(h.fh);
            gw.release(h.fh);
            handles.remove(h);
            if (h.name != null && h.dir.hidden.containsKey(h.name) && handles.stream().noneMatch(o -> o.namedBy(h.dir, h.name))) {
                h.dir.hidden.remove(h.name);
                String dirPath = model.pathOf(h.dir);
                if (dirPath != null) {
                    gw.unlink(ModelFs.join(dirPath, h.name));
                }
            }
        });
    }

    private Handle anyHandle() {
        return handles.isEmpty() ? null : handles.get(rnd.nextInt(handles.size()));
    }

    // ---- names ---------------------------------------------------------------------------------

    private void rename() {
        String from = rnd.nextInt(4) == 0 ? randomPath() : existingPath();
        String to = randomPath();
        Node src = model.lookup(from);
        Node srcDir = model.lookup(ModelFs.parentPath(from));
        Node dst = model.lookup(to);
        Node dstDir = model.lookup(ModelFs.parentPath(to));
        FsError error = model.renameError(from, to);
        if (error != null || src == dst) {
            expect(error, "rename " + from + " -> " + to, () -> gw.rename(from, to));
            return;
        }
        String fromName = ModelFs.nameOf(from);
        String toName = ModelFs.nameOf(to);
        expect(null, "rename " + from + " -> " + to, () -> {
            if (dst != null && !dst.isDir()) {
                dropName(dstDir, toName, to); // libfuse hides an open target first; else the rename replaces it
            }
            gw.rename(from, to);
            if (dst != null && dst.isDir()) {
                ModelFs.removeName(dstDir, toName);
            }
            srcDir.children.remove(fromName);
            dstDir.children.put(toName, src);
            if (src.isDir()) {
                src.parent = dstDir;
            }
            handles.stream().filter(o -> o.namedBy(srcDir, fromName)).forEach(o -> {
                o.dir = dstDir;
                o.name = toName;
            });
        });
    }

    private void unlink() {
        String path = rnd.nextInt(4) == 0 ? randomPath() : existingPath();
        Node node = model.lookup(path);
        FsError error = node == null ? FsError.NOT_FOUND : node.isDir() ? FsError.IS_DIRECTORY : null;
        expect(error, "unlink " + path, () -> {
            if (error != null || !dropName(model.lookup(ModelFs.parentPath(path)), ModelFs.nameOf(path), path)) {
                gw.unlink(path);
            }
        });
    }

    /**
     * Takes a file's name away in the model. libfuse (mounted without hard_remove) does not unlink a
     * name a handle is open under: it renames it to a hidden name, and unlinks that at the last release.
     * Half the time this does that, the other half it leaves the open file to the engine, as with
     * hard_remove. Returns whether it hid the name (then the caller's unlink is not made).
     */
    private boolean dropName(Node dir, String name, String path) {
        boolean open = handles.stream().anyMatch(o -> o.namedBy(dir, name));
        boolean libfuse = rnd.nextBoolean();
        Node node = dir.children.get(name);
        ModelFs.removeName(dir, name);
        if (open && libfuse) {
            String hiddenName = String.format(".fuse_hidden%08x%08x", step, ++hidden);
            log("  libfuse hides " + path + " as " + hiddenName);
            gw.rename(path, ModelFs.join(ModelFs.parentPath(path), hiddenName));
            dir.hidden.put(hiddenName, node);
            handles.stream().filter(o -> o.namedBy(dir, name)).forEach(o -> o.name = hiddenName);
            return true;
        }
        handles.stream().filter(o -> o.namedBy(dir, name)).forEach(o -> o.name = null);
        return false;
    }

    private void link() {
        String from = existingPath();
        String to = randomPath();
        Node src = model.lookup(from);
        FsError error = src == null ? FsError.NOT_FOUND : src.isDir() ? FsError.NOT_PERMITTED
                : model.lookup(to) != null ? FsError.EXISTS : null;
        expect(error, "link " + from + " " + to, () -> {
            Inode linked = gw.link(from, to);
            src.links++;
            model.lookup(ModelFs.parentPath(to)).children.put(ModelFs.nameOf(to), src);
            assertEquals(src.links, linked.nlink(), at("nlink a link returns"));
        });
    }

    private void mkdir() {
        String path = randomPath();
        Node parent = model.lookup(ModelFs.parentPath(path));
        if (ModelFs.depth(parent) < 3) {
            expect(model.lookup(path) != null ? FsError.EXISTS : null, "mkdir " + path, () -> {
                gw.mknod(path, FileKind.DIRECTORY, 0755, 0, Caller.ROOT);
                Node d = new Node(FileKind.DIRECTORY, null);
                d.parent = parent;
                parent.children.put(ModelFs.nameOf(path), d);
            });
        }
    }

    private void rmdir() {
        String path = rnd.nextBoolean() ? randomPath() : existingPath();
        Node node = model.lookup(path);
        FsError error = node == null ? FsError.NOT_FOUND : !node.isDir() ? FsError.NOT_DIRECTORY
                : !node.children.isEmpty() ? FsError.NOT_EMPTY : null;
        expect(error, "rmdir " + path, () -> {
            gw.rmdir(path);
            ModelFs.removeName(model.lookup(ModelFs.parentPath(path)), ModelFs.nameOf(path));
        });
    }

    private void symlink() {
        String path = randomPath();
        String target = "../" + NAMES[rnd.nextInt(NAMES.length)] + "/" + "t".repeat(rnd.nextInt(40));
        expect(model.lookup(path) != null ? FsError.EXISTS : null, "symlink " + path, () -> {
            gw.symlink(target, path, Caller.ROOT);
            model.lookup(ModelFs.parentPath(path)).children.put(ModelFs.nameOf(path), new Node(FileKind.SYMLINK, target));
        });
    }

    private void xattr() {
        String path = existingPath();
        Node node = model.lookup(path);
        if (node == null || node.kind == FileKind.SYMLINK) { // Linux allows no user.* xattrs on symlinks
            return;
        }
        String name = XATTRS[rnd.nextInt(XATTRS.length)];
        boolean has = node.xattrs.containsKey(name);
        byte[] value = bytes(rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(200));
        switch (rnd.nextInt(5)) {
            case 0, 1 -> {
                XattrMode mode = XattrMode.values()[rnd.nextInt(3)];
                FsError error = mode == XattrMode.CREATE_ONLY && has ? FsError.EXISTS
                        : mode == XattrMode.REPLACE_ONLY && !has ? FsError.NO_ATTRIBUTE : null;
                expect(error, "setxattr " + path + " " + name + " " + mode, () -> {
                    gw.setxattr(path, name, value, mode);
                    node.xattrs.put(name, value);
                });
            }
            case 2 -> expect(has ? null : FsError.NO_ATTRIBUTE, "removexattr " + path + " " + name, () -> {
                gw.removexattr(path, name);
                node.xattrs.remove(name);
            });
            default -> expect(has ? null : FsError.NO_ATTRIBUTE, "getxattr " + path + " " + name,
                    () -> assertArrayEquals(node.xattrs.get(name), gw.getxattr(path, name), at("xattr " + name)));
        }
    }

    // ---- closing and opening again -------------------------------------------------------------

    /**
     * Clean: every handle released and a sync, as an unmount does; everything must be there after.
     * Crash: closed without a sync, sometimes with handles open. Names, sizes and xattrs are committed as
     * they change, and so is every byte of a file not written since its last fsync, truncate or sync (the
     * journal is replayed); a file written since may hold older bytes, which the model then takes over.
     */
    private void remount(boolean clean) {
        op(clean ? "remount" : "crash and reopen", () -> {
            if (clean || rnd.nextBoolean()) {
                new ArrayList<>(handles).forEach(this::release);
            }
            if (clean) {
                gw.syncAll();
            }
            closeVolume();
            handles.clear(); // unlinked open files are deleted at the next open, hidden names and all
            model.paths().stream().map(model::lookup).filter(Node::isDir).forEach(d -> d.hidden.clear());
            model.root.hidden.clear();
            open();
            for (String path : model.paths()) {
                Node n = model.lookup(path);
                if (n.isFile() && n.unsynced) {
                    byte[] now = ModelFs.readWhole(gw, path);
                    assertEquals(n.size, now.length, at("size after a crash, " + path));
                    n.data = now;
                    n.unsynced = false;
                }
            }
        });
        checkTree();
    }

    // ---- the whole tree ------------------------------------------------------------------------

    /** The whole tree as the model has it, and the open handles' sizes and link counts. */
    private void checkTree() {
        model.assertMatches(gw, this::at);
        for (Handle h : handles) {
            Inode inode = gw.getattr(h.fh);
            assertEquals(h.node.size, inode.size(), at("size of " + h));
            assertEquals(h.node.links, inode.nlink(), at("nlink of " + h));
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** One of the few names in a directory of the model, so that operations meet the same names often. */
    private String randomPath() {
        List<String> dirs = new ArrayList<>(List.of("/"));
        model.paths().stream().filter(p -> model.lookup(p).isDir()).forEach(dirs::add);
        return ModelFs.join(dirs.get(rnd.nextInt(dirs.size())), NAMES[rnd.nextInt(NAMES.length)]);
    }

    private String existingPath() {
        List<String> paths = model.paths();
        return paths.isEmpty() ? randomPath() : paths.get(rnd.nextInt(paths.size()));
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private void op(String what, Runnable action) {
        log(what);
        action.run();
    }

    /** Runs {@code action}, which must fail with {@code error}, or succeed when that is null. */
    private void expect(FsError error, String what, Runnable action) {
        log(what + (error == null ? "" : " (expects " + error + ")"));
        try {
            action.run();
        } catch (FsException e) {
            if (e.error() != error) {
                fail(at(what + ": expected " + (error == null ? "success" : error) + ", got " + e.error() + ": " + e.getMessage()).get(), e);
            }
            return;
        }
        if (error != null) {
            fail(at(what + ": expected " + error + ", but it succeeded").get());
        }
    }

    private void log(String what) {
        String line = "step " + step + ": " + what;
        if (TRACE) {
            System.out.println(line);
        }
        recent.addLast(line);
        if (recent.size() > 60) {
            recent.removeFirst();
        }
    }

    private Supplier<String> at(String what) {
        return () -> "seed " + run.seed() + " step " + step + ": " + what;
    }
}
