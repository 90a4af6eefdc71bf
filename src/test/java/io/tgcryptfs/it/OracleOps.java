package io.tgcryptfs.it;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * The random operations of {@link OracleIT}: each is chosen from the oracle's state and a seeded random
 * stream alone (never from what the mount did), carries its data, and runs on either tree by relative
 * path. Also the table of file handles kept open across operations, one per tree.
 */
final class OracleOps {
    static final int BLOCK = 256 << 10; // the volume's block size: aligned equal blocks dedup
    static final long MAX_FILE = 12 << 20; // past the first 8 MiB band
    static final long MAX_TOTAL = 48 << 20;

    /** A small namespace, so operations collide: any of these may become a file, directory or symlink. */
    static final List<String> POOL = List.of("a", "b", "a/c", "x", "y", "z", "a/x", "a/y", "b/x", "b/y", "a/c/x", "a/c/y");
    /** Symlink targets: relative without "..", so they never leave the tree; one absolute, dangling. */
    private static final List<String> TARGETS = List.of("x", "y", "a", "a/x", "c", "c/x", "nowhere", "/nonexistent-tgcryptfs-oracle/x");
    private static final List<String> XATTRS = List.of("k0", "k1", "k2", "com.apple.FinderInfo");
    private static final List<String> MODES = List.of("rw-r--r--", "rw-------", "rwxr-xr-x", "r--r--r--", "rwx------", "---------");

    /** What one operation does to one tree (side 0 the oracle, 1 the mount); returns what to compare. */
    interface Action {
        String run(Path root, int side) throws IOException;
    }

    /** An operation whose only result is whether it succeeded. */
    interface Effect {
        void run(Path root, int side) throws IOException;
    }

    record Op(String text, Action action) {
        static Op of(String text, Effect effect) {
            return new Op(text, (root, side) -> {
                effect.run(root, side);
                return "ok";
            });
        }
    }

    private final long seed;
    private final Path oracle;
    private final SplittableRandom rnd;
    private final byte[][] palette;
    private int step;
    /** Open file handles: [0] on the oracle, [1] on the mount, kept across steps (writes after rename/unlink). */
    private final List<FileChannel[]> handles = new ArrayList<>();
    private final FileChannel[] opening = new FileChannel[2];

    OracleOps(long seed, Path oracle) {
        this.seed = seed;
        this.oracle = oracle;
        this.rnd = new SplittableRandom(seed);
        this.palette = palette(rnd);
    }

    /** Operations whose whole blocks come from {@code palette}, shared by several runs: their files dedup against each other's. */
    OracleOps(long seed, Path oracle, byte[][] palette) {
        this.seed = seed;
        this.oracle = oracle;
        this.rnd = new SplittableRandom(seed);
        this.palette = palette;
    }

    /** Four random blocks: any write may use them, so equal blocks turn up in many files and offsets. */
    static byte[][] palette(SplittableRandom rnd) {
        byte[][] blocks = new byte[4][BLOCK];
        for (byte[] block : blocks) {
            rnd.nextBytes(block);
        }
        return blocks;
    }

    /** The operation for {@code step}: writes, truncates and reads most often, then names, xattrs, modes, handles. */
    Op next(int step) throws IOException {
        this.step = step;
        int dice = rnd.nextInt(100);
        if (dice < 22) {
            return write(pickFile());
        } else if (dice < 27) {
            String p = pickFile();
            byte[] data = data(length());
            return Op.of("append " + p + " " + data.length + " bytes", (root, side) -> {
                try (FileChannel ch = FileChannel.open(root.resolve(p), WRITE, APPEND)) {
                    ch.write(ByteBuffer.wrap(data));
                }
            });
        } else if (dice < 33) {
            return truncate(pickFile());
        } else if (dice < 39) {
            String p = pickFile();
            long size = size(p);
            long off = size == 0 ? 0 : rnd.nextLong(size + 1);
            int len = 1 + rnd.nextInt(rnd.nextBoolean() ? 4096 : 1 << 20);
            return new Op("read " + p + " @" + off + " " + len, (root, side) -> {
                try (FileChannel ch = FileChannel.open(root.resolve(p), READ)) {
                    return read(ch, off, len);
                }
            });
        } else if (dice < 44) {
            return create(randomPath());
        } else if (dice < 47) {
            return copy(pickFile(), pickFile());
        } else if (dice < 53) {
            String from = pickExisting();
            String to = randomPath();
            // ATOMIC_MOVE is rename(2) itself: over an existing file or empty directory, across directories
            return Op.of("rename " + from + " " + to, (root, side) ->
                    Files.move(root.resolve(from), root.resolve(to), StandardCopyOption.ATOMIC_MOVE));
        } else if (dice < 57) {
            String existing = pickFile();
            String name = randomPath();
            return Op.of("link " + existing + " " + name, (root, side) -> Files.createLink(root.resolve(name), root.resolve(existing)));
        } else if (dice < 62) {
            String p = rnd.nextInt(4) == 0 ? randomPath() : pickExisting();
            return Op.of("delete " + p, (root, side) -> Files.delete(root.resolve(p))); // unlink, or rmdir
        } else if (dice < 65) {
            String p = randomPath();
            return Op.of("mkdir " + p, (root, side) -> Files.createDirectory(root.resolve(p)));
        } else if (dice < 69) {
            String p = randomPath();
            String target = TARGETS.get(rnd.nextInt(TARGETS.size()));
            return Op.of("symlink " + p + " -> " + target, (root, side) -> Files.createSymbolicLink(root.resolve(p), Path.of(target)));
        } else if (dice < 76) {
            return xattr(rnd.nextInt(5) == 0 ? randomPath() : pickExisting());
        } else if (dice < 80) {
            String p = pickExisting();
            String mode = MODES.get(rnd.nextInt(MODES.size()));
            return Op.of("chmod " + p + " " + mode, (root, side) ->
                    Files.setPosixFilePermissions(root.resolve(p), PosixFilePermissions.fromString(mode)));
        } else if (dice < 84) {
            String p = pickExisting();
            return Op.of("fsync " + p, (root, side) -> {
                try (FileChannel ch = FileChannel.open(root.resolve(p), READ)) {
                    ch.force(true);
                }
            });
        }
        return handleOp();
    }

    /** Positioned writes of all sizes: inside the file, over its end, far past it (a hole), block-aligned. */
    private Op write(String p) throws IOException {
        long size = size(p);
        int len = length();
        long off = switch (rnd.nextInt(10)) {
            case 0, 1, 2, 3, 4 -> rnd.nextLong(size + 1);
            case 5, 6 -> Math.max(0, size - rnd.nextInt(len + 1));
            case 7 -> size + rnd.nextInt(8 << 20);
            default -> (long) BLOCK * rnd.nextInt((int) (size / BLOCK) + 2);
        };
        off = Math.max(0, Math.min(off, MAX_FILE - len));
        if (totalSize() > MAX_TOTAL) {
            return truncate(p); // keeps the run small; truncate picks sizes below 1 MiB then
        }
        byte[] data = data(len);
        long at = off;
        return Op.of("write " + p + " @" + at + " " + len + " bytes", (root, side) -> {
            try (FileChannel ch = FileChannel.open(root.resolve(p), WRITE)) {
                ch.write(ByteBuffer.wrap(data), at);
            }
        });
    }

    private Op truncate(String p) throws IOException {
        long size = size(p);
        long to = switch (totalSize() > MAX_TOTAL ? 0 : rnd.nextInt(5)) {
            case 0 -> rnd.nextInt(1 << 20);
            case 1 -> size == 0 ? 0 : rnd.nextLong(size);
            case 2 -> Math.min(MAX_FILE, size + rnd.nextInt(4 << 20));
            case 3 -> (long) BLOCK * rnd.nextInt(8);
            default -> 0;
        };
        return Op.of("truncate " + p + " " + to, (root, side) -> {
            Path f = root.resolve(p);
            try (FileChannel ch = FileChannel.open(f, WRITE)) { // fails as open(2) does; RandomAccessFile would create f
                if (to < ch.size()) {
                    ch.truncate(to);
                } else {
                    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                        raf.setLength(to); // ftruncate up: FileChannel.truncate only shrinks
                    }
                }
            }
        });
    }

    /** Create or replace a whole file (O_CREAT|O_TRUNC, following symlinks) with a few bytes or a few MiB. */
    private Op create(String p) {
        byte[] data = data(rnd.nextInt(3) == 0 ? 0 : length());
        return Op.of("create " + p + " " + data.length + " bytes", (root, side) ->
                Files.write(root.resolve(p), data, CREATE, WRITE, TRUNCATE_EXISTING));
    }

    /** Makes {@code to} hold what {@code from} holds in the oracle: identical content in two files dedups. */
    private Op copy(String from, String to) throws IOException {
        Path source = oracle.resolve(from);
        if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS) || totalSize() + Files.size(source) > MAX_TOTAL) {
            return create(to);
        }
        byte[] data = Files.readAllBytes(source);
        return Op.of("copy " + from + " " + to + " (" + data.length + " bytes)", (root, side) ->
                Files.write(root.resolve(to), data, CREATE, WRITE, TRUNCATE_EXISTING));
    }

    private Op xattr(String p) {
        String name = XATTRS.get(rnd.nextInt(XATTRS.size()));
        if (rnd.nextInt(4) == 0) {
            return Op.of("removexattr " + p + " user." + name, (root, side) -> xattrs(root.resolve(p)).delete(name));
        }
        // ext4 (the oracle) keeps all of a file's xattrs in one 4 KiB block: values up to 64 KiB are XattrIT's
        byte[] value = new byte[rnd.nextInt(8) == 0 ? rnd.nextInt(900) : rnd.nextInt(100)];
        rnd.nextBytes(value);
        return Op.of("setxattr " + p + " user." + name + " " + value.length + " bytes", (root, side) ->
                xattrs(root.resolve(p)).write(name, ByteBuffer.wrap(value)));
    }

    /** Handles kept open across steps: the file may be renamed, linked, truncated or unlinked meanwhile. */
    private Op handleOp() {
        int dice = rnd.nextInt(10);
        if (handles.isEmpty() || (dice < 3 && handles.size() < 3)) {
            String p = pickFile();
            return Op.of("open " + p + " as h" + handles.size(), (root, side) -> opening[side] = FileChannel.open(root.resolve(p), READ, WRITE));
        }
        int h = rnd.nextInt(handles.size());
        if (dice < 5) {
            return close(h);
        } else if (dice < 8) {
            byte[] data = data(length());
            long at = rnd.nextLong(MAX_FILE - data.length);
            return Op.of("write h" + h + " @" + at + " " + data.length + " bytes", (root, side) ->
                    handles.get(h)[side].write(ByteBuffer.wrap(data), at));
        } else if (dice < 9) {
            long at = rnd.nextLong(MAX_FILE);
            int len = 1 + rnd.nextInt(1 << 20);
            return new Op("read h" + h + " @" + at + " " + len, (root, side) -> read(handles.get(h)[side], at, len));
        } else if (rnd.nextInt(3) == 0) {
            return new Op("fstat h" + h, (root, side) -> "size " + handles.get(h)[side].size());
        } else if (rnd.nextInt(2) == 0) {
            long to = rnd.nextInt(1 << 20);
            // FileChannel.truncate only shrinks: ftruncate(2) when smaller, nothing otherwise, on both sides
            return Op.of("ftruncate h" + h + " " + to, (root, side) -> handles.get(h)[side].truncate(to));
        }
        return Op.of("fsync h" + h, (root, side) -> handles.get(h)[side].force(false));
    }

    Op close(int h) {
        return Op.of("close h" + h, (root, side) -> handles.get(h)[side].close());
    }

    private static UserDefinedFileAttributeView xattrs(Path p) {
        return Files.getFileAttributeView(p, UserDefinedFileAttributeView.class); // follows symlinks
    }

    private int length() {
        return switch (rnd.nextInt(10)) {
            case 0, 1, 2, 3, 4, 5 -> 1 + rnd.nextInt(8192);
            case 6, 7, 8 -> 1 + rnd.nextInt(300_000);
            default -> 1 + rnd.nextInt(3 << 20);
        };
    }

    /** Random bytes, blocks of a small palette (dedup), zeros (holes), or compressible text. */
    private byte[] data(int len) {
        byte[] b = new byte[len];
        switch (rnd.nextInt(5)) {
            case 0, 1 -> rnd.nextBytes(b);
            case 2 -> {
                for (int i = 0; i < len; i += BLOCK) {
                    System.arraycopy(palette[rnd.nextInt(palette.length)], 0, b, i, Math.min(BLOCK, len - i));
                }
            }
            case 3 -> { } // zeros
            default -> {
                byte[] text = ("seed " + seed + " step " + step + " ").getBytes(StandardCharsets.US_ASCII);
                for (int i = 0; i < len; i++) {
                    b[i] = text[i % text.length];
                }
            }
        }
        return b;
    }

    // ---------------------------------------------------------------- the oracle's state, to choose from

    /** Mostly an existing regular file of the oracle; now and then any name, so some operations fail. */
    private String pickFile() {
        return pick(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS));
    }

    private String pickExisting() {
        return pick(p -> Files.exists(p, LinkOption.NOFOLLOW_LINKS));
    }

    private String pick(Predicate<Path> inOracle) {
        List<String> found = POOL.stream().filter(p -> inOracle.test(oracle.resolve(p))).toList();
        return found.isEmpty() || rnd.nextInt(10) == 0 ? randomPath() : found.get(rnd.nextInt(found.size()));
    }

    private String randomPath() {
        return POOL.get(rnd.nextInt(POOL.size()));
    }

    private long size(String p) throws IOException {
        Path f = oracle.resolve(p);
        return Files.isRegularFile(f) ? Files.size(f) : 0;
    }

    private long totalSize() throws IOException {
        long total = 0;
        for (String p : POOL) {
            total += Files.isSymbolicLink(oracle.resolve(p)) ? 0 : size(p);
        }
        return total;
    }

    // ---------------------------------------------------------------- the handle table

    /** Records what an operation that ran on both trees did to the handle table. */
    void settle(Op op) {
        if (op.text().startsWith("open ")) {
            if (opening[0] != null || opening[1] != null) {
                handles.add(opening.clone()); // one side alone fails the test; closeQuietly closes it
            }
            Arrays.fill(opening, null);
        } else if (op.text().startsWith("close ")) {
            handles.remove(Integer.parseInt(op.text().substring("close h".length())));
        }
    }

    int openHandles() {
        return handles.size();
    }

    /** After a failure or a crash: an open file would keep the mount busy at unmount. Forgets every handle. */
    void closeQuietly() {
        for (FileChannel[] pair : handles) {
            for (FileChannel ch : pair) {
                try {
                    if (ch != null) {
                        ch.close();
                    }
                } catch (IOException ignored) {
                    // the test has failed already, or the mount is gone
                }
            }
        }
        handles.clear();
    }

    /** What a read of {@code len} bytes at {@code off} returned: its length and hash. */
    static String read(FileChannel ch, long off, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len);
        while (b.hasRemaining() && ch.read(b, off + b.position()) > 0) {
            // a short read is not the end of the file
        }
        return b.position() + " bytes, sha256=" + TreeState.sha256(b.array(), b.position());
    }
}
