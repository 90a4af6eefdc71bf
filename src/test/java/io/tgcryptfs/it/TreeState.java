package io.tgcryptfs.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Everything {@link OracleIT} compares of a directory tree, read through the kernel: per relative path
 * the kind, permission bits, link count, size, a hash of the content (files) or the target (symlinks)
 * and the {@code user.*} xattrs; and which paths share an inode (hard links). Times only when asked:
 * another file system's clock sets them differently, but the same volume must keep them.
 */
record TreeState(SortedMap<String, Entry> entries, Set<String> linkGroups) {

    record Entry(String kind, String mode, int nlink, long size, String content, SortedMap<String, String> xattrs, String times) {
        Entry withTimes(String other) {
            return new Entry(kind, mode, nlink, size, content, xattrs, other);
        }

        @Override
        public String toString() {
            return kind + " " + mode + " nlink=" + nlink + " size=" + size + " " + content + (xattrs.isEmpty() ? "" : " xattrs=" + xattrs)
                    + times;
        }
    }

    static TreeState of(Path root) throws IOException {
        return of(root, false);
    }

    /** With {@code times}, each entry's mtime and ctime too, to the nanosecond. */
    static TreeState of(Path root, boolean times) throws IOException {
        SortedMap<String, Entry> entries = new TreeMap<>();
        Map<Long, Set<String>> byInode = new HashMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() { // does not follow symlinks
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(root)) {
                    add(dir);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                add(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                throw e;
            }

            private void add(Path p) throws IOException {
                String rel = root.relativize(p).toString();
                Stat st = Stat.of(p);
                entries.put(rel, entry(p, st, times ? " mtime=" + st.mtimeNs() + " ctime=" + st.ctimeNs() : ""));
                if (st.type() != Stat.S_IFDIR) {
                    byInode.computeIfAbsent(st.ino(), k -> new TreeSet<>()).add(rel);
                }
            }
        });
        Set<String> groups = byInode.values().stream().filter(g -> g.size() > 1).map(Object::toString)
                .collect(Collectors.toCollection(TreeSet::new));
        return new TreeState(entries, groups);
    }

    private static Entry entry(Path p, Stat st, String times) throws IOException {
        String mode = st.octalPermissions();
        return switch (st.type()) {
            case Stat.S_IFREG -> new Entry("file", mode, st.nlink(), st.size(), "sha256=" + sha256(p), xattrs(p), times);
            // the size of a directory is the file system's own business (ext4: 4096)
            case Stat.S_IFDIR -> new Entry("dir", mode, st.nlink(), 0, "", xattrs(p), times);
            case Stat.S_IFLNK -> new Entry("symlink", mode, st.nlink(), st.size(), "-> " + Files.readSymbolicLink(p), new TreeMap<>(), times);
            default -> new Entry("type " + Integer.toOctalString(st.type()), mode, st.nlink(), st.size(), "", new TreeMap<>(), times);
        };
    }

    /** user.* names with the length and a hash of each value. */
    private static SortedMap<String, String> xattrs(Path p) throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
        SortedMap<String, String> out = new TreeMap<>();
        for (String name : view.list()) {
            ByteBuffer b = ByteBuffer.allocate(view.size(name));
            view.read(name, b);
            out.put(name, b.position() + "B:" + sha256(b.array(), b.position()));
        }
        return out;
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest md = digest();
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest(), 0, 8);
    }

    static String sha256(byte[] b, int length) {
        MessageDigest md = digest();
        md.update(b, 0, length);
        return HexFormat.of().formatHex(md.digest(), 0, 8);
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Human-readable differences, expected (the oracle) against actual (the mount); empty when equal. */
    static List<String> differences(TreeState expected, TreeState actual) {
        return differences(expected, actual, false);
    }

    /** As {@link #differences(TreeState, TreeState)}, but directories that differ only in their times are equal. */
    static List<String> differencesBeyondDirectoryTimes(TreeState expected, TreeState actual) {
        return differences(expected, actual, true);
    }

    private static List<String> differences(TreeState expected, TreeState actual, boolean directoryTimesAside) {
        List<String> out = new ArrayList<>();
        Set<String> paths = new TreeSet<>(expected.entries.keySet());
        paths.addAll(actual.entries.keySet());
        for (String p : paths) {
            Entry e = expected.entries.get(p);
            Entry a = actual.entries.get(p);
            if (e == null) {
                out.add("  " + p + ": should not exist, but is " + a);
            } else if (a == null) {
                out.add("  " + p + ": missing, should be " + e);
            } else if (!e.equals(a) && !(directoryTimesAside && e.kind().equals("dir") && e.withTimes("").equals(a.withTimes("")))) {
                out.add("  " + p + ":\n      expected " + e + "\n      actual   " + a);
            }
        }
        if (!expected.linkGroups.equals(actual.linkGroups)) {
            out.add("  hard links (names sharing an inode): expected " + expected.linkGroups + ", actual " + actual.linkGroups);
        }
        return out;
    }
}
