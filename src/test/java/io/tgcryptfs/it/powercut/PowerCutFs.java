package io.tgcryptfs.it.powercut;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import jnr.ffi.Pointer;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * A passthrough FUSE file system over a backing directory that simulates a power loss: "what was synced
 * survives, what was not may not".
 *
 * <p><b>Model.</b>
 * <ul>
 *   <li><b>File data.</b> Writes since the last {@code fsync}/{@code fdatasync} of a file are kept in
 *   memory, in 4 KiB pages over the backing file (reads, including the kernel's page faults for
 *   {@code mmap}, see them; no {@code direct_io}). So is the file size after a write or truncate. An
 *   fsync of the file (data or full) writes its pages and size to the backing file. Everything else in the
 *   backing file is therefore exactly what was synced.</li>
 *   <li><b>Directory operations</b> (create, mkdir, mknod, symlink, unlink, rmdir, rename) are applied to
 *   the backing directory at once, with an undo record; they become durable, in order, at the next fsync
 *   of <em>any</em> file or directory (a journaling file system commits its one running transaction,
 *   which holds every earlier namespace change: ext4's behaviour, weaker than POSIX only in that an fsync
 *   of an unrelated file also commits them). Unlinked files move to a trash directory until then.
 *   {@code chmod}, {@code chown} and {@code utimens} are durable at once.</li>
 *   <li><b>{@code cut}</b> (a line on standard input) is the power loss: in mode {@code drop} every
 *   unsynced page and size change is discarded and every uncommitted directory operation undone (newest
 *   first); in mode {@code subset} a seeded random subset of the unsynced pages (each with probability
 *   {@code keep}), of size changes, and a random prefix of the uncommitted directory operations survive,
 *   the rest is lost: kernel writeback and a disk cache that persist some of what was not synced, in any
 *   order. After a cut every operation fails with EIO; the process prints {@code cut} and waits to be
 *   killed, and the caller detaches the mount. The backing directory is then the disk after the power
 *   loss: {@code remount} mounts a new instance over it (as a new process would, with a warm JIT).</li>
 * </ul>
 *
 * <p>Every operation holds one lock: simple and obviously atomic with respect to the cut; fast enough
 * for a test. Usage: {@code PowerCutFs BACKING MOUNTPOINT [drop|subset] [seed] [keep]}.
 */
public final class PowerCutFs extends FuseStubFS {
    static final int PAGE = 4096;
    private static final String HIDDEN = ".fuse_hidden";

    private final Path backing;
    private final Path trash;
    private final boolean subset;
    private final Random random;
    private final double keep;

    private final Object lock = new Object();
    private boolean cut;
    private final Map<Long, Node> nodes = new HashMap<>();
    private final Map<Long, Node> handles = new HashMap<>();
    private long nextHandle = 1;
    private final List<Undo> undo = new ArrayList<>();
    private final List<Path> trashed = new ArrayList<>();
    private long trashCounter;
    private long syncs;

    /** One backing file (by inode number) with its unsynced state. */
    private static final class Node {
        final long ino;
        final FileChannel channel;
        long size;       // the size the file system shows
        long cutoff;     // backing bytes at or past this read as zeros (a truncate not synced yet)
        final TreeMap<Long, byte[]> pages = new TreeMap<>();
        int opens;
        boolean sizeDirty;

        Node(long ino, FileChannel channel) throws IOException {
            this.ino = ino;
            this.channel = channel;
            this.size = channel.size();
            this.cutoff = size;
        }

        boolean dirty() {
            return sizeDirty || !pages.isEmpty();
        }
    }

    /** A directory operation to take back at a cut: move {@code to} back to {@code from}, or delete {@code created}. */
    private record Undo(Path from, Path to, Path created) {
    }

    public PowerCutFs(Path backing, boolean subset, long seed, double keep) throws IOException {
        this.backing = backing.toAbsolutePath();
        this.trash = this.backing.resolveSibling(this.backing.getFileName() + ".trash");
        this.subset = subset;
        this.random = new Random(seed);
        this.keep = keep;
        Files.createDirectories(this.backing);
        deleteTree(trash);
        Files.createDirectories(trash);
        // files libfuse hid because they were unlinked while open: a real file system frees those at mount
        try (Stream<Path> all = Files.walk(this.backing)) {
            for (Path p : all.filter(p -> p.getFileName().toString().startsWith(HIDDEN)).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Path backing = Path.of(args[0]);
        Path mountpoint = Path.of(args[1]);
        boolean subset = args.length > 2 && args[2].equals("subset");
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 1;
        double keep = args.length > 4 ? Double.parseDouble(args[4]) : 0.5;
        Random seeds = new Random(seed);
        PowerCutFs fs = new PowerCutFs(backing, subset, seeds.nextLong(), keep);
        fs.mount(mountpoint, false, false, new String[] {"-o", "fsname=powercut,subtype=powercut"});
        System.out.println("mounted");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.trim().equals("cut")) {
                String what = fs.cut();
                System.out.println("cut " + what);
                System.out.flush();
            } else if (line.trim().equals("remount")) {
                // after a cut, once the caller detached the dead mount: a new instance over the backing
                // directory knows nothing of the old one (the same as a new process, with a warm JIT)
                if (!fs.cut) {
                    fs.cut();
                }
                try {
                    fs.umount();
                } catch (RuntimeException e) {
                    System.err.println("powercut: umount: " + e);
                }
                fs = new PowerCutFs(backing, subset, seeds.nextLong(), keep);
                fs.mount(mountpoint, false, false, new String[] {"-o", "fsname=powercut,subtype=powercut"});
                System.out.println("mounted");
                System.out.flush();
            } else if (line.trim().equals("stats")) {
                System.out.println("stats " + fs.stats());
                System.out.flush();
            }
        }
        // stdin closed: the caller is gone; a cut fs stays dead until it is detached
        TimeUnit.DAYS.sleep(1);
    }

    String stats() {
        synchronized (lock) {
            long dirtyPages = nodes.values().stream().mapToLong(n -> n.pages.size()).sum();
            return "syncs=" + syncs + " nodes=" + nodes.size() + " dirtyPages=" + dirtyPages + " undo=" + undo.size();
        }
    }

    /** The power loss. Returns what it discarded and kept. */
    String cut() {
        synchronized (lock) {
            if (cut) {
                return "again";
            }
            cut = true;
            long lostPages = 0;
            long keptPages = 0;
            for (Node n : new ArrayList<>(nodes.values())) {
                try {
                    if (subset && n.dirty()) {
                        boolean sizeReached = random.nextDouble() < keep;
                        if (sizeReached && n.cutoff < n.channel.size()) {
                            n.channel.truncate(n.cutoff);
                        }
                        long limit = sizeReached ? n.size : Math.min(n.channel.size(), n.size);
                        for (var e : n.pages.entrySet()) {
                            long at = e.getKey() * PAGE;
                            if (at < limit && random.nextDouble() < keep) {
                                int len = (int) Math.min(PAGE, limit - at);
                                writeFully(n.channel, ByteBuffer.wrap(e.getValue(), 0, len), at);
                                keptPages++;
                            } else {
                                lostPages++;
                            }
                        }
                        if (sizeReached && n.channel.size() < n.size) {
                            writeFully(n.channel, ByteBuffer.wrap(new byte[1]), n.size - 1);
                        }
                    } else {
                        lostPages += n.pages.size();
                    }
                    n.pages.clear();
                    n.channel.close();
                } catch (IOException e) {
                    System.err.println("powercut: " + e);
                }
            }
            nodes.clear();
            handles.clear();
            int keepOps = subset ? random.nextInt(undo.size() + 1) : 0;
            int undone = 0;
            for (int i = undo.size() - 1; i >= keepOps; i--) {
                Undo u = undo.get(i);
                try {
                    if (u.created() != null) {
                        Files.deleteIfExists(u.created());
                    } else {
                        Files.move(u.to(), u.from(), StandardCopyOption.ATOMIC_MOVE);
                    }
                    undone++;
                } catch (IOException e) {
                    System.err.println("powercut: cannot undo " + u + ": " + e);
                }
            }
            undo.clear();
            return "lostPages=" + lostPages + " keptPages=" + keptPages + " undoneOps=" + undone + " keptOps=" + keepOps
                    + " syncs=" + syncs;
        }
    }

    // ------------------------------------------------------------------ helpers

    private Path real(String path) {
        return path.equals("/") ? backing : backing.resolve(path.substring(1));
    }

    private static long inoOf(Path p) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue();
    }

    private Node node(Path p) throws IOException {
        long ino = inoOf(p);
        Node n = nodes.get(ino);
        if (n == null) {
            n = new Node(ino, FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE));
            nodes.put(ino, n);
        }
        return n;
    }

    private void maybeForget(Node n) throws IOException {
        if (n.opens == 0 && !n.dirty()) {
            n.channel.close();
            nodes.remove(n.ino, n);
        }
    }

    /** Reads the file as shown: overlay pages, else backing bytes below the cutoff, else zeros. */
    private void readInto(Node n, byte[] out, long offset, int length) throws IOException {
        int done = 0;
        while (done < length) {
            long pos = offset + done;
            long page = pos / PAGE;
            int inPage = (int) (pos % PAGE);
            int len = Math.min(PAGE - inPage, length - done);
            byte[] dirty = n.pages.get(page);
            if (dirty != null) {
                System.arraycopy(dirty, inPage, out, done, len);
            } else {
                readBacking(n, out, done, pos, len);
            }
            done += len;
        }
    }

    private static void readBacking(Node n, byte[] out, int outOffset, long pos, int len) throws IOException {
        int valid = (int) Math.max(0, Math.min(len, n.cutoff - pos));
        ByteBuffer buf = ByteBuffer.wrap(out, outOffset, valid);
        long at = pos;
        while (buf.hasRemaining()) {
            int r = n.channel.read(buf, at);
            if (r < 0) {
                break;
            }
            at += r;
        }
        java.util.Arrays.fill(out, buf.position(), outOffset + len, (byte) 0); // position is absolute in out
    }

    private byte[] page(Node n, long page) throws IOException {
        byte[] p = n.pages.get(page);
        if (p == null) {
            p = new byte[PAGE];
            readBacking(n, p, 0, page * PAGE, PAGE);
            n.pages.put(page, p);
        }
        return p;
    }

    private void truncateNode(Node n, long size) throws IOException {
        if (size < n.size) {
            n.cutoff = Math.min(n.cutoff, size);
            long firstGone = (size + PAGE - 1) / PAGE;
            n.pages.tailMap(firstGone, true).clear();
            if (size % PAGE != 0) {
                byte[] p = page(n, size / PAGE);
                java.util.Arrays.fill(p, (int) (size % PAGE), PAGE, (byte) 0);
            }
        }
        n.size = size;
        n.sizeDirty = true;
    }

    /** fsync of one file: its pages and size reach the backing file; every directory operation commits. */
    private void syncNode(Node n) throws IOException {
        if (n.dirty()) {
            if (n.channel.size() > n.cutoff) {
                n.channel.truncate(n.cutoff);
            }
            for (var e : n.pages.entrySet()) {
                long at = e.getKey() * PAGE;
                if (at < n.size) {
                    writeFully(n.channel, ByteBuffer.wrap(e.getValue(), 0, (int) Math.min(PAGE, n.size - at)), at);
                }
            }
            if (n.channel.size() > n.size) {
                n.channel.truncate(n.size);
            } else if (n.channel.size() < n.size) {
                writeFully(n.channel, ByteBuffer.wrap(new byte[1]), n.size - 1);
            }
            n.pages.clear();
            n.cutoff = n.size;
            n.sizeDirty = false;
        }
        commitDirectoryOps();
    }

    private void commitDirectoryOps() throws IOException {
        syncs++;
        undo.clear();
        for (Path p : trashed) {
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                for (Path q : walkReverse(p)) {
                    if (Files.isRegularFile(q, LinkOption.NOFOLLOW_LINKS)) {
                        Node n = nodes.get(inoOf(q));
                        if (n != null && n.opens == 0) {
                            n.channel.close();
                            nodes.remove(n.ino);
                        } else if (n != null) {
                            nodes.remove(n.ino); // still open: its handles keep it; the inode number may be reused
                        }
                    }
                    Files.deleteIfExists(q);
                }
            }
        }
        trashed.clear();
    }

    private static List<Path> walkReverse(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            return s.sorted(Comparator.reverseOrder()).toList();
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            for (Path q : walkReverse(p)) {
                Files.deleteIfExists(q);
            }
        }
    }

    private Path toTrash(Path p) throws IOException {
        Path t = trash.resolve(Long.toString(++trashCounter));
        Files.move(p, t, StandardCopyOption.ATOMIC_MOVE);
        undo.add(new Undo(p, t, null));
        trashed.add(t);
        return t;
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            pos += ch.write(buf, pos);
        }
    }

    private interface Op {
        int run() throws IOException;
    }

    private int op(Op op) {
        synchronized (lock) {
            if (cut) {
                return -ErrorCodes.EIO();
            }
            try {
                return op.run();
            } catch (NoSuchFileException e) {
                return -ErrorCodes.ENOENT();
            } catch (FileAlreadyExistsException e) {
                return -ErrorCodes.EEXIST();
            } catch (DirectoryNotEmptyException e) {
                return -ErrorCodes.ENOTEMPTY();
            } catch (NotDirectoryException e) {
                return -ErrorCodes.ENOTDIR();
            } catch (AccessDeniedException e) {
                return -ErrorCodes.EACCES();
            } catch (IOException | RuntimeException e) {
                System.err.println("powercut: " + e);
                return -ErrorCodes.EIO();
            }
        }
    }

    private static Set<PosixFilePermission> perms(long mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int i = 0; i < order.length; i++) {
            if ((mode & (1L << i)) != 0) {
                s.add(order[i]);
            }
        }
        return s;
    }

    // ------------------------------------------------------------------ FUSE operations

    @Override
    public int getattr(String path, FileStat stat) {
        return op(() -> {
            Path p = real(path);
            Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
            long ino = ((Number) a.get("ino")).longValue();
            Node n = nodes.get(ino);
            long size = n != null ? n.size : ((Number) a.get("size")).longValue();
            stat.st_mode.set(((Number) a.get("mode")).intValue());
            stat.st_ino.set(ino);
            stat.st_nlink.set(((Number) a.get("nlink")).intValue());
            stat.st_uid.set(((Number) a.get("uid")).intValue());
            stat.st_gid.set(((Number) a.get("gid")).intValue());
            stat.st_size.set(size);
            stat.st_blksize.set(PAGE);
            stat.st_blocks.set((size + 511) / 512);
            setTime(stat.st_atim, (FileTime) a.get("lastAccessTime"));
            setTime(stat.st_mtim, (FileTime) a.get("lastModifiedTime"));
            setTime(stat.st_ctim, (FileTime) a.get("ctime"));
            return 0;
        });
    }

    private static void setTime(Timespec t, FileTime time) {
        long nanos = time.to(TimeUnit.NANOSECONDS);
        t.tv_sec.set(Math.floorDiv(nanos, 1_000_000_000L));
        t.tv_nsec.set(Math.floorMod(nanos, 1_000_000_000L));
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filter, long offset, FuseFileInfo fi) {
        return op(() -> {
            filter.apply(buf, ".", null, 0);
            filter.apply(buf, "..", null, 0);
            try (DirectoryStream<Path> s = Files.newDirectoryStream(real(path))) {
                for (Path p : s) {
                    String name = p.getFileName().toString();
                    if (!name.startsWith(HIDDEN)) {
                        filter.apply(buf, name, null, 0);
                    }
                }
            }
            return 0;
        });
    }

    @Override
    public int readlink(String path, Pointer buf, long size) {
        return op(() -> {
            byte[] target = Files.readSymbolicLink(real(path)).toString().getBytes(StandardCharsets.UTF_8);
            int n = (int) Math.min(target.length, size - 1);
            buf.put(0, target, 0, n);
            buf.putByte(n, (byte) 0);
            return 0;
        });
    }

    @Override
    public int mknod(String path, long mode, long rdev) {
        return op(() -> {
            Path p = real(path);
            int type = (int) (mode & 0170000);
            if (type == 0140000) {
                // a Unix socket: binding one creates the node
                try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                    s.bind(UnixDomainSocketAddress.of(p));
                }
            } else if (type == 0100000 || type == 0) {
                Files.createFile(p);
            } else {
                return -ErrorCodes.EPERM();
            }
            undo.add(new Undo(null, null, p));
            Files.setPosixFilePermissions(p, perms(mode));
            return 0;
        });
    }

    @Override
    public int mkdir(String path, long mode) {
        return op(() -> {
            Path p = real(path);
            Files.createDirectory(p);
            undo.add(new Undo(null, null, p));
            Files.setPosixFilePermissions(p, perms(mode));
            return 0;
        });
    }

    @Override
    public int unlink(String path) {
        return op(() -> {
            Path p = real(path);
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                return -ErrorCodes.EISDIR();
            }
            toTrash(p);
            return 0;
        });
    }

    @Override
    public int rmdir(String path) {
        return op(() -> {
            Path p = real(path);
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                return -ErrorCodes.ENOTDIR();
            }
            try (DirectoryStream<Path> s = Files.newDirectoryStream(p)) {
                if (s.iterator().hasNext()) {
                    return -ErrorCodes.ENOTEMPTY();
                }
            }
            toTrash(p);
            return 0;
        });
    }

    @Override
    public int symlink(String target, String path) {
        return op(() -> {
            Path p = real(path);
            Files.createSymbolicLink(p, Path.of(target));
            undo.add(new Undo(null, null, p));
            return 0;
        });
    }

    @Override
    public int rename(String from, String to) {
        return op(() -> {
            Path a = real(from);
            Path b = real(to);
            if (!Files.exists(a, LinkOption.NOFOLLOW_LINKS)) {
                return -ErrorCodes.ENOENT();
            }
            if (Files.exists(b, LinkOption.NOFOLLOW_LINKS)) {
                if (Files.isDirectory(b, LinkOption.NOFOLLOW_LINKS)) {
                    try (DirectoryStream<Path> s = Files.newDirectoryStream(b)) {
                        if (s.iterator().hasNext()) {
                            return -ErrorCodes.ENOTEMPTY();
                        }
                    }
                }
                toTrash(b);
            }
            Files.move(a, b, StandardCopyOption.ATOMIC_MOVE);
            undo.add(new Undo(a, b, null));
            return 0;
        });
    }

    @Override
    public int chmod(String path, long mode) {
        return op(() -> {
            Files.setPosixFilePermissions(real(path), perms(mode));
            return 0;
        });
    }

    @Override
    public int chown(String path, long uid, long gid) {
        return op(() -> {
            Path p = real(path);
            if (uid != 0xffffffffL && uid != -1) {
                Files.setAttribute(p, "unix:uid", (int) uid, LinkOption.NOFOLLOW_LINKS);
            }
            if (gid != 0xffffffffL && gid != -1) {
                Files.setAttribute(p, "unix:gid", (int) gid, LinkOption.NOFOLLOW_LINKS);
            }
            return 0;
        });
    }

    @Override
    public int utimens(String path, Timespec[] timespec) {
        return op(() -> {
            Path p = real(path);
            long nanos = timespec[1].tv_sec.get() * 1_000_000_000L + timespec[1].tv_nsec.longValue();
            if (timespec[1].tv_nsec.longValue() == ((1L << 30) - 1)) { // UTIME_NOW
                nanos = System.currentTimeMillis() * 1_000_000L;
            }
            if (timespec[1].tv_nsec.longValue() != ((1L << 30) - 2)) { // UTIME_OMIT
                Files.setLastModifiedTime(p, FileTime.from(nanos, TimeUnit.NANOSECONDS));
            }
            return 0;
        });
    }

    @Override
    public int truncate(String path, long size) {
        return op(() -> {
            Node n = node(real(path));
            truncateNode(n, size);
            return 0;
        });
    }

    @Override
    public int ftruncate(String path, long size, FuseFileInfo fi) {
        return op(() -> {
            Node n = handles.get(fi.fh.get());
            if (n == null) {
                return -ErrorCodes.EBADF();
            }
            truncateNode(n, size);
            return 0;
        });
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        return op(() -> {
            Node n = node(real(path));
            n.opens++;
            long h = nextHandle++;
            handles.put(h, n);
            fi.fh.set(h);
            return 0;
        });
    }

    @Override
    public int create(String path, long mode, FuseFileInfo fi) {
        return op(() -> {
            Path p = real(path);
            boolean existed = Files.exists(p, LinkOption.NOFOLLOW_LINKS);
            if (!existed) {
                Files.createFile(p);
                undo.add(new Undo(null, null, p));
                Files.setPosixFilePermissions(p, perms(mode));
            }
            Node n = node(p);
            n.opens++;
            long h = nextHandle++;
            handles.put(h, n);
            fi.fh.set(h);
            return 0;
        });
    }

    @Override
    public int read(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        return op(() -> {
            Node n = handles.get(fi.fh.get());
            if (n == null) {
                return -ErrorCodes.EBADF();
            }
            if (offset >= n.size) {
                return 0;
            }
            int len = (int) Math.min(size, n.size - offset);
            byte[] out = new byte[len];
            readInto(n, out, offset, len);
            buf.put(0, out, 0, len);
            return len;
        });
    }

    @Override
    public int write(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        return op(() -> {
            Node n = handles.get(fi.fh.get());
            if (n == null) {
                return -ErrorCodes.EBADF();
            }
            int len = (int) size;
            byte[] data = new byte[len];
            buf.get(0, data, 0, len);
            int done = 0;
            while (done < len) {
                long pos = offset + done;
                int inPage = (int) (pos % PAGE);
                int l = Math.min(PAGE - inPage, len - done);
                System.arraycopy(data, done, page(n, pos / PAGE), inPage, l);
                done += l;
            }
            if (offset + len > n.size) {
                n.size = offset + len;
                n.sizeDirty = true;
            }
            return len;
        });
    }

    @Override
    public int statfs(String path, Statvfs stbuf) {
        return op(() -> {
            FileStore store = Files.getFileStore(backing);
            long unit = PAGE;
            stbuf.f_bsize.set(unit);
            stbuf.f_frsize.set(unit);
            stbuf.f_blocks.set(store.getTotalSpace() / unit);
            stbuf.f_bfree.set(store.getUnallocatedSpace() / unit);
            stbuf.f_bavail.set(store.getUsableSpace() / unit);
            stbuf.f_files.set(1_000_000);
            stbuf.f_ffree.set(1_000_000);
            stbuf.f_favail.set(1_000_000);
            stbuf.f_namemax.set(255);
            return 0;
        });
    }

    @Override
    public int flush(String path, FuseFileInfo fi) {
        return op(() -> 0);
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        return op(() -> {
            Node n = handles.remove(fi.fh.get());
            if (n != null) {
                n.opens--;
                maybeForget(n);
            }
            return 0;
        });
    }

    @Override
    public int fsync(String path, int isdatasync, FuseFileInfo fi) {
        return op(() -> {
            Node n = handles.get(fi.fh.get());
            if (n == null) {
                return -ErrorCodes.EBADF();
            }
            syncNode(n);
            return 0;
        });
    }

    @Override
    public int fsyncdir(String path, FuseFileInfo fi) {
        return op(() -> {
            commitDirectoryOps();
            return 0;
        });
    }

    @Override
    public int access(String path, int mask) {
        return op(() -> Files.exists(real(path), LinkOption.NOFOLLOW_LINKS) ? 0 : -ErrorCodes.ENOENT());
    }
}
