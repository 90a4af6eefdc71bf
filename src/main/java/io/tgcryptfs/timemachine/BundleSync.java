package io.tgcryptfs.timemachine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Copies a local sparse bundle into the mount (the plan's "Option B": Time Machine backs up to a local
 * image, and this brings it to the encrypted volume). Only what changed is copied: a file whose size
 * and modification time equal the copy's is skipped, as rsync's quick check does, so after a backup that
 * touched ten bands, ten bands are copied. Each file is written to a temporary name, synced, given its
 * extended attributes, mode and time, and only then renamed over the old copy: an interrupted sync leaves
 * old files or new files, never a half-written band that looks current, and running it again finishes
 * the job. Files gone from the source are deleted; hard links inside the bundle stay hard links.
 */
public final class BundleSync {
    static final String TEMP_PREFIX = ".tgsync-";
    private static final int BUFFER = 1 << 20;
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

    /** Told the plan first, then every chunk of bytes copied. */
    public interface Listener {
        void planned(long files, long bytes);

        void copied(long bytes);
    }

    /** What a sync did. {@code bytesCopied} counts file data written into the destination. */
    public record Report(long filesCopied, long bytesCopied, long filesUnchanged, long deleted, long linked) {
    }

    private final Path source;
    private final Path target;
    private final Listener listener;
    private final boolean chown;

    /**
     * @param chown copy owner and group too (only root may, and only root's copies need it)
     */
    public BundleSync(Path source, Path target, Listener listener, boolean chown) {
        this.source = source;
        this.target = target;
        this.listener = listener;
        this.chown = chown;
    }

    public Report run() throws IOException {
        if (!Files.isDirectory(source, NOFOLLOW)) {
            throw new NoSuchFileException(source.toString(), null, "not a directory");
        }
        List<Path> toCopy = new ArrayList<>();
        long bytes = 0;
        long unchanged = 0;
        List<Path> all = walk(source);
        Map<Object, Path> firstOfInode = new HashMap<>();
        Set<Path> links = new HashSet<>();
        for (Path relative : all) {
            Path from = source.resolve(relative);
            BasicFileAttributes a = Files.readAttributes(from, BasicFileAttributes.class, NOFOLLOW);
            if (!a.isRegularFile()) {
                continue;
            }
            if (nlink(from) > 1) {
                Object inode = a.fileKey();
                if (firstOfInode.putIfAbsent(inode, relative) != null) {
                    links.add(relative);
                    continue;
                }
            }
            if (same(a, target.resolve(relative))) {
                unchanged++;
            } else {
                toCopy.add(relative);
                bytes += a.size();
            }
        }
        listener.planned(toCopy.size(), bytes);

        removeLeftoverTemporaries(target);
        long deleted = deleteExtra(all);
        long copied = 0;
        for (Path relative : all) {
            Path from = source.resolve(relative);
            if (Files.isDirectory(from, NOFOLLOW)) {
                Files.createDirectories(target.resolve(relative));
            } else if (Files.isSymbolicLink(from)) {
                copySymlink(from, target.resolve(relative));
            }
        }
        for (Path relative : toCopy) {
            copied += copyFile(source.resolve(relative), target.resolve(relative));
        }
        long linked = 0;
        for (Path relative : links) {
            Path first = target.resolve(firstOfInode.get(fileKey(source.resolve(relative))));
            Path to = target.resolve(relative);
            if (!Files.exists(to, NOFOLLOW) || !Files.isSameFile(first, to)) {
                Files.deleteIfExists(to);
                Files.createLink(to, first);
                linked++;
            }
        }
        // directories last, deepest first: writing into them changed their times
        for (int i = all.size() - 1; i >= 0; i--) {
            Path from = source.resolve(all.get(i));
            if (Files.isDirectory(from, NOFOLLOW)) {
                copyMetadata(from, target.resolve(all.get(i)));
            }
        }
        return new Report(toCopy.size(), copied, unchanged, deleted, linked);
    }

    /** Every path under the source, relative, parents before children; the root itself is "". */
    private static List<Path> walk(Path root) throws IOException {
        List<Path> out = new ArrayList<>();
        out.add(Path.of(""));
        collect(root, root, out);
        return out;
    }

    private static void collect(Path root, Path dir, List<Path> out) throws IOException {
        TreeSet<Path> children = new TreeSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(children::add);
        }
        for (Path child : children) {
            if (child.getFileName().toString().startsWith(TEMP_PREFIX)) {
                continue;
            }
            out.add(root.relativize(child));
            if (Files.isDirectory(child, NOFOLLOW)) {
                collect(root, child, out);
            }
        }
    }

    /** The quick check: same kind, size and modification time (to the millisecond; FUSE may keep less). */
    private static boolean same(BasicFileAttributes a, Path copy) throws IOException {
        if (!Files.isRegularFile(copy, NOFOLLOW)) {
            return false;
        }
        BasicFileAttributes b = Files.readAttributes(copy, BasicFileAttributes.class, NOFOLLOW);
        return a.size() == b.size() && a.lastModifiedTime().toMillis() == b.lastModifiedTime().toMillis();
    }

    private long copyFile(Path from, Path to) throws IOException {
        Path temp = to.resolveSibling(TEMP_PREFIX + to.getFileName());
        Files.deleteIfExists(temp);
        long written = 0;
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
            long size = in.size();
            long position = 0;
            while (position < size) {
                buffer.clear();
                int n = in.read(buffer, position);
                if (n < 0) {
                    break;
                }
                buffer.flip();
                if (isZero(buffer)) {
                    position += n; // a hole stays a hole: tgcryptfs stores nothing for zeros anyway
                } else {
                    while (buffer.hasRemaining()) {
                        out.write(buffer, position + buffer.position());
                    }
                    position += n;
                    written += n;
                }
                listener.copied(n);
            }
            out.truncate(position);
            if (out.size() < position) {
                out.write(ByteBuffer.wrap(new byte[1]), position - 1);
            }
            out.force(true);
        }
        copyMetadata(from, temp);
        Files.move(temp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return written;
    }

    private static boolean isZero(ByteBuffer b) {
        for (int i = b.position(); i < b.limit(); i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static void copySymlink(Path from, Path to) throws IOException {
        Path link = Files.readSymbolicLink(from);
        if (Files.isSymbolicLink(to) && Files.readSymbolicLink(to).equals(link)) {
            return;
        }
        Files.deleteIfExists(to);
        Files.createSymbolicLink(to, link);
    }

    /** Extended attributes (exactly the source's), mode, owner when asked, and times. */
    private void copyMetadata(Path from, Path to) throws IOException {
        UserDefinedFileAttributeView src = Files.getFileAttributeView(from, UserDefinedFileAttributeView.class, NOFOLLOW);
        UserDefinedFileAttributeView dst = Files.getFileAttributeView(to, UserDefinedFileAttributeView.class, NOFOLLOW);
        Set<String> names = new HashSet<>(src.list());
        for (String name : dst.list()) {
            if (!names.contains(name)) {
                dst.delete(name);
            }
        }
        for (String name : names) {
            ByteBuffer value = ByteBuffer.allocate(src.size(name));
            src.read(name, value);
            value.flip();
            dst.write(name, value);
        }
        PosixFileAttributes a = Files.readAttributes(from, PosixFileAttributes.class, NOFOLLOW);
        PosixFileAttributeView view = Files.getFileAttributeView(to, PosixFileAttributeView.class, NOFOLLOW);
        if (chown) {
            view.setOwner(a.owner());
            view.setGroup(a.group());
        }
        view.setPermissions(a.permissions());
        view.setTimes(a.lastModifiedTime(), a.lastAccessTime(), null);
    }

    /** Deletes what the source no longer has (deepest first), so the copy mirrors it. */
    private long deleteExtra(List<Path> sourceEntries) throws IOException {
        if (!Files.isDirectory(target, NOFOLLOW)) {
            return 0;
        }
        Set<Path> keep = new HashSet<>(sourceEntries);
        List<Path> existing = walk(target);
        long deleted = 0;
        for (int i = existing.size() - 1; i >= 0; i--) {
            Path relative = existing.get(i);
            Path there = target.resolve(relative);
            boolean kindChanged = keep.contains(relative)
                    && Files.isDirectory(there, NOFOLLOW) != Files.isDirectory(source.resolve(relative), NOFOLLOW);
            if (!keep.contains(relative) || kindChanged) {
                deleteTree(there);
                deleted++;
            }
        }
        return deleted;
    }

    private static void removeLeftoverTemporaries(Path dir) throws IOException {
        if (!Files.isDirectory(dir, NOFOLLOW)) {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (p.getFileName().toString().startsWith(TEMP_PREFIX)) {
                    Files.deleteIfExists(p);
                } else if (Files.isDirectory(p, NOFOLLOW)) {
                    removeLeftoverTemporaries(p);
                }
            }
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (Files.isDirectory(p, NOFOLLOW)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(p)) {
                for (Path child : entries) {
                    deleteTree(child);
                }
            }
        }
        Files.deleteIfExists(p);
    }

    private static int nlink(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:nlink", NOFOLLOW);
    }

    private static Object fileKey(Path p) throws IOException {
        return Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW).fileKey();
    }
}
