package io.tgcryptfs.gateway;

import io.tgcryptfs.engine.XattrMode;
import io.tgcryptfs.fs.FileKind;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.gateway.ModelCheckTest.Run;
import io.tgcryptfs.gateway.ModelFs.Handle;
import io.tgcryptfs.gateway.ModelFs.Node;
import io.tgcryptfs.testing.ManualClock;

import java.time.Duration;
import java.util.List;
import java.util.Random;

import static io.tgcryptfs.gateway.ModelCheckTest.BAND;
import static io.tgcryptfs.gateway.ModelCheckTest.BS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The random operations of {@link ModelCheckTest}: each chosen from the model and the run's seeded
 * {@link Random} alone (never from what the engine did), so that a seed replays the same calls; made
 * through the gateway as the FUSE adapter makes them, then applied to the model. The operations on names
 * are {@link ModelNameOps}'s, the open handles {@link ModelHandles}'.
 */
final class ModelOps {
    private static final int MAX_SIZE = 10 * BAND;
    private static final String[] XATTRS = {"user.x", "user.y", "user.z"};

    /** How the run closes the volume and opens it again, when a step chooses to. */
    interface Remount {
        void remount(boolean clean);
    }

    private final Run run;
    private final Random rnd;
    private final ModelFs model;
    private final ModelSteps steps;
    private final ManualClock clock;
    private final Remount remount;
    final ModelHandles handles;
    private final ModelNameOps names;
    private final byte[][] shared;
    private FsGateway gw;

    ModelOps(Run run, ModelFs model, ModelSteps steps, ManualClock clock, Remount remount) {
        this.run = run;
        this.rnd = new Random(run.seed());
        this.model = model;
        this.steps = steps;
        this.clock = clock;
        this.remount = remount;
        this.handles = new ModelHandles(rnd, model, steps);
        this.names = new ModelNameOps(rnd, model, steps, handles);
        this.shared = new byte[][] {bytes(BS), bytes(BS), bytes(BS)};
    }

    void mounted(FsGateway gateway) {
        gw = gateway;
        handles.mounted(gateway);
        names.mounted(gateway);
    }

    void step() {
        int r = rnd.nextInt(200);
        if (r < 54) write();
        else if (r < 76) read();
        else if (r < 92) openOrCreate();
        else if (r < 106) handles.releaseAny();
        else if (r < 118) fsync();
        else if (r < 130) truncate();
        else if (r < 142) names.rename();
        else if (r < 148) names.link();
        else if (r < 158) names.unlink();
        else if (r < 164) names.mkdir();
        else if (r < 170) names.rmdir();
        else if (r < 174) names.symlink();
        else if (r < 184) xattr();
        else if (r < 186) steps.op("syncAll", () -> { gw.syncAll(); model.files().forEach(n -> n.unsynced = false); });
        else if (r < 196) {
            long ms = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt((int) run.expiry().toMillis() * 3 + 1);
            steps.op("clock +" + ms + "ms", () -> clock.advance(Duration.ofMillis(ms))); // blocks go cold, actors idle
        } else remount.remount(r == 196); // one in four clean, three in four a crash
    }

    // ---- file data -----------------------------------------------------------------------------

    private void write() {
        Handle h = handles.any();
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
        steps.op("write " + h + " @" + at + "+" + data.length, () -> {
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
        Handle h = handles.any();
        if (h == null) {
            return;
        }
        long offset = rnd.nextInt(3) == 0 ? (long) rnd.nextInt(h.node.size / BS + 2) * BS : rnd.nextInt(h.node.size + BS);
        int length = 1 + rnd.nextInt(rnd.nextBoolean() ? BS : 3 * BAND);
        steps.op("read " + h + " @" + offset + "+" + length, () -> {
            assertArrayEquals(h.node.read(offset, length), gw.read(h.fh, offset, length), steps.at("read " + h));
            assertEquals(h.node.size, gw.getattr(h.fh).size(), steps.at("size of " + h));
        });
    }

    private void fsync() {
        Handle h = handles.any();
        if (h != null) {
            steps.op("fsync " + h, () -> {
                gw.fsync(h.fh);
                h.node.unsynced = false;
            });
        }
    }

    private void truncate() {
        Handle h = rnd.nextBoolean() ? handles.any() : null;
        String path = h == null ? names.randomPath() : null;
        Node node = h != null ? h.node : model.lookup(path);
        int size = node == null || !node.isFile() ? 0 : node.size;
        long to = switch (rnd.nextInt(5)) {
            case 0 -> 0;
            case 1 -> rnd.nextInt(size + 1);
            case 2 -> Math.max(0, (long) rnd.nextInt(size / BS + 3) * BS + rnd.nextInt(3) - 1);
            default -> Math.min(MAX_SIZE, size + rnd.nextInt(2 * BAND));
        };
        if (h != null) {
            steps.op("ftruncate " + h + " " + to, () -> truncated(node, gw.ftruncate(h.fh, to), to));
        } else if (node == null) {
            steps.expect(FsError.NOT_FOUND, "truncate " + path + " " + to, () -> gw.truncate(path, to));
        } else if (node.kind != FileKind.SYMLINK) { // the kernel follows a symlink: never a truncate of one
            steps.expect(node.isDir() ? FsError.IS_DIRECTORY : null, "truncate " + path + " " + to,
                    () -> truncated(node, gw.truncate(path, to), to));
        }
    }

    private void truncated(Node node, Inode result, long to) {
        assertEquals(to, result.size(), steps.at("size a truncate returns"));
        node.truncate(to);
        node.unsynced = false; // a truncate seals the file's dirty blocks before it cuts
    }

    // ---- opening -------------------------------------------------------------------------------

    private void openOrCreate() {
        if (handles.count() >= 6) {
            handles.releaseAny();
        }
        String path = names.randomPath();
        Node node = model.lookup(path);
        Node parent = model.lookup(ModelFs.parentPath(path));
        String name = ModelFs.nameOf(path);
        if (node == null) {
            steps.op("create " + path, () -> {
                Node file = new Node(FileKind.REGULAR, null);
                handles.add(new Handle(gw.create(path, 0644, Caller.ROOT), file, parent, name));
                parent.children.put(name, file);
            });
        } else if (node.isFile()) {
            steps.op("open " + path, () -> handles.add(new Handle(gw.open(path), node, parent, name)));
        } else {
            steps.expect(FsError.EXISTS, "create " + path, () -> gw.create(path, 0644, Caller.ROOT));
        }
    }

    // ---- xattrs --------------------------------------------------------------------------------

    private void xattr() {
        String path = names.existingPath();
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
                steps.expect(error, "setxattr " + path + " " + name + " " + mode, () -> {
                    gw.setxattr(path, name, value, mode);
                    node.xattrs.put(name, value);
                });
            }
            case 2 -> steps.expect(has ? null : FsError.NO_ATTRIBUTE, "removexattr " + path + " " + name, () -> {
                gw.removexattr(path, name);
                node.xattrs.remove(name);
            });
            default -> steps.expect(has ? null : FsError.NO_ATTRIBUTE, "getxattr " + path + " " + name,
                    () -> assertArrayEquals(node.xattrs.get(name), gw.getxattr(path, name), steps.at("xattr " + name)));
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }
}
