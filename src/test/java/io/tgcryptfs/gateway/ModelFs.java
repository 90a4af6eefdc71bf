package io.tgcryptfs.gateway;

import io.tgcryptfs.fs.FileKind;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.Inode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * What POSIX says the filesystem holds, for {@link ModelCheckTest}: a tree of nodes, a hard-linked file
 * being one node under several names. Plain and single-threaded on purpose: it must be obviously right.
 */
final class ModelFs {
    static final class Node {
        final FileKind kind;
        final String target; // symlinks
        byte[] data = new byte[0]; // regular files: data[0, size)
        int size;
        int links = 1; // visible names (a directory's own count is computed)
        Node parent; // directories: null for the root and once removed
        boolean removed; // directories
        final TreeMap<String, Node> children = new TreeMap<>();
        /** libfuse's ".fuse_hidden" names for files unlinked while open: reachable by path, never listed. */
        final Map<String, Node> hidden = new HashMap<>();
        final TreeMap<String, byte[]> xattrs = new TreeMap<>();
        /** Written since the last fsync, truncate or sync: after a crash its bytes may be older ones. */
        boolean unsynced;

        Node(FileKind kind, String target) {
            this.kind = kind;
            this.target = target;
        }

        boolean isDir() {
            return kind == FileKind.DIRECTORY;
        }

        boolean isFile() {
            return kind == FileKind.REGULAR;
        }

        void write(long offset, byte[] bytes) {
            int end = (int) offset + bytes.length;
            ensure(end);
            System.arraycopy(bytes, 0, data, (int) offset, bytes.length);
            size = Math.max(size, end);
        }

        void truncate(long newSize) {
            ensure((int) newSize);
            if (newSize < size) {
                Arrays.fill(data, (int) newSize, size, (byte) 0); // grown again later, this reads as zeros
            }
            size = (int) newSize;
        }

        /** What read(2) returns: short at the end, nothing past it. */
        byte[] read(long offset, int length) {
            if (offset >= size) {
                return new byte[0];
            }
            return Arrays.copyOfRange(data, (int) offset, (int) Math.min(size, offset + length));
        }

        byte[] contents() {
            return Arrays.copyOf(data, size);
        }

        private void ensure(int n) {
            if (data.length < n) {
                data = Arrays.copyOf(data, Math.max(n, data.length * 2));
            }
        }

        int subdirectories() {
            return (int) children.values().stream().filter(Node::isDir).count();
        }
    }

    /** An open handle and the name libfuse keeps it under ({@code dir}/{@code name}; null name: none left). */
    static final class Handle {
        final long fh;
        final Node node;
        Node dir;
        String name;

        Handle(long fh, Node node, Node dir, String name) {
            this.fh = fh;
            this.node = node;
            this.dir = dir;
            this.name = name;
        }

        boolean namedBy(Node d, String n) {
            return dir == d && n.equals(name);
        }

        @Override
        public String toString() {
            return "h" + fh + "(" + (name == null ? "unnamed" : name) + ")";
        }
    }

    final Node root = new Node(FileKind.DIRECTORY, null);

    /** What POSIX rename(2) fails with (null: it succeeds, or does nothing when both are names of one file). */
    FsError renameError(String from, String to) {
        Node src = lookup(from);
        Node dst = lookup(to);
        return src == null ? FsError.NOT_FOUND
                : src == dst ? null
                : src.isDir() && within(lookup(parentPath(to)), src) ? FsError.INVALID
                : dst == null ? null
                : src.isDir() && !dst.isDir() ? FsError.NOT_DIRECTORY
                : !src.isDir() && dst.isDir() ? FsError.IS_DIRECTORY
                : dst.isDir() && !dst.children.isEmpty() ? FsError.NOT_EMPTY : null;
    }

    /** The node a path names through visible names, or null. */
    Node lookup(String path) {
        Node at = root;
        for (String name : path.split("/")) {
            if (name.isEmpty()) {
                continue;
            }
            if (!at.isDir()) {
                return null;
            }
            at = at.children.containsKey(name) ? at.children.get(name) : at.hidden.get(name);
            if (at == null) {
                return null;
            }
        }
        return at;
    }

    /** A directory's path, or null once it (or a directory above it) was removed. */
    String pathOf(Node dir) {
        if (dir == root) {
            return "/";
        }
        if (dir.removed || dir.parent == null) {
            return null;
        }
        String parent = pathOf(dir.parent);
        if (parent == null) {
            return null;
        }
        for (Map.Entry<String, Node> e : dir.parent.children.entrySet()) {
            if (e.getValue() == dir) {
                return join(parent, e.getKey());
            }
        }
        return null;
    }

    static String join(String dir, String name) {
        return dir.equals("/") ? "/" + name : dir + "/" + name;
    }

    static String parentPath(String path) {
        int slash = path.lastIndexOf('/');
        return slash == 0 ? "/" : path.substring(0, slash);
    }

    static String nameOf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** Every visible path below the root, parents before children. */
    List<String> paths() {
        List<String> out = new ArrayList<>();
        collect("/", root, out);
        return out;
    }

    private void collect(String path, Node dir, List<String> out) {
        for (Map.Entry<String, Node> e : dir.children.entrySet()) {
            String p = join(path, e.getKey());
            out.add(p);
            if (e.getValue().isDir()) {
                collect(p, e.getValue(), out);
            }
        }
    }

    List<Node> files() {
        List<Node> out = new ArrayList<>();
        for (String p : paths()) {
            Node n = lookup(p);
            if (n.isFile() && !out.contains(n)) {
                out.add(n);
            }
        }
        return out;
    }

    /** Whether {@code dir} is {@code ancestor} or lies below it. */
    static boolean within(Node dir, Node ancestor) {
        for (Node at = dir; at != null; at = at.parent) {
            if (at == ancestor) {
                return true;
            }
        }
        return false;
    }

    static int depth(Node dir) {
        int d = 0;
        for (Node at = dir; at.parent != null; at = at.parent) {
            d++;
        }
        return d;
    }

    /** Takes a name away; a removed directory takes its hidden names with it, as the engine drops them. */
    static void removeName(Node dir, String name) {
        Node gone = dir.children.remove(name);
        if (gone.isDir()) {
            gone.removed = true;
            gone.parent = null;
            gone.hidden.clear();
        } else {
            gone.links--;
        }
    }

    // ---- comparing with the engine -------------------------------------------------------------

    /**
     * Every directory's names, kinds, link counts, sizes, contents, symlink targets and xattrs, and that
     * the names of one file are one inode and those of different files are not.
     *
     * @param at a failure message naming where the run is
     */
    void assertMatches(FsGateway gw, Function<String, Supplier<String>> at) {
        assertDirectory(gw, at, "/", root, new HashMap<>(), new IdentityHashMap<>());
    }

    private void assertDirectory(FsGateway gw, Function<String, Supplier<String>> at, String path, Node dir,
                                 Map<Long, Node> byIno, Map<Node, Long> inos) {
        List<String> names = Listings.of(gw, path).stream().map(Listing::name).filter(n -> !n.equals(".") && !n.equals(".."))
                .sorted().toList();
        assertEquals(new ArrayList<>(dir.children.keySet()), names, at.apply("readdir " + path));
        Inode self = gw.getattr(path);
        assertEquals(FileKind.DIRECTORY, self.kind(), at.apply("kind of " + path));
        assertEquals(2 + dir.subdirectories(), self.nlink(), at.apply("nlink of " + path));
        assertXattrs(gw, at, path, dir);
        for (Map.Entry<String, Node> e : dir.children.entrySet()) {
            String p = join(path, e.getKey());
            Node n = e.getValue();
            Inode inode = gw.getattr(p);
            assertEquals(n.kind, inode.kind(), at.apply("kind of " + p));
            assertSame(n, byIno.computeIfAbsent(inode.ino(), k -> n), at.apply(p + " has the inode number of another file"));
            assertEquals(inode.ino(), inos.computeIfAbsent(n, k -> inode.ino()), at.apply(p + " is not the inode its other names are"));
            if (n.isDir()) {
                assertDirectory(gw, at, p, n, byIno, inos);
            } else if (n.isFile()) {
                assertEquals(n.links, inode.nlink(), at.apply("nlink of " + p));
                assertEquals(n.size, inode.size(), at.apply("size of " + p));
                assertArrayEquals(n.contents(), readWhole(gw, p), at.apply("contents of " + p));
                assertXattrs(gw, at, p, n);
            } else {
                assertEquals(n.target, gw.readlink(p), at.apply("target of " + p));
                assertEquals(n.target.getBytes(StandardCharsets.UTF_8).length, inode.size(), at.apply("size of " + p));
            }
        }
    }

    private static void assertXattrs(FsGateway gw, Function<String, Supplier<String>> at, String path, Node n) {
        assertEquals(new ArrayList<>(n.xattrs.keySet()), gw.listxattr(path).stream().sorted().toList(), at.apply("xattrs of " + path));
        n.xattrs.forEach((k, v) -> assertArrayEquals(v, gw.getxattr(path, k), at.apply("xattr " + k + " of " + path)));
    }

    /** As cat: open, read 128 KiB at a time until a short read, close. */
    static byte[] readWhole(FsGateway gw, String path) {
        long h = gw.open(path);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] piece;
            do {
                piece = gw.read(h, out.size(), 128 << 10);
                out.write(piece, 0, piece.length);
            } while (piece.length == 128 << 10);
            return out.toByteArray();
        } finally {
            gw.release(h);
        }
    }
}
