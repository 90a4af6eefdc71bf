package io.tgcryptfs.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@code lstat(2)} of a path through the JDK's "unix" attribute view, with nanosecond times. */
public record Stat(long ino, int mode, int nlink, int uid, int gid, long size, long rdev,
                   long atimeNs, long mtimeNs, long ctimeNs) {

    public static final int S_IFMT = 0170000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFIFO = 0010000;
    public static final int S_IFSOCK = 0140000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;
    public static final int S_ISUID = 04000;
    public static final int S_ISGID = 02000;

    public static Stat of(Path p) {
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
            return new Stat(
                    (Long) a.get("ino"),
                    (Integer) a.get("mode"),
                    (Integer) a.get("nlink"),
                    (Integer) a.get("uid"),
                    (Integer) a.get("gid"),
                    (Long) a.get("size"),
                    (Long) a.get("rdev"),
                    nanos(a.get("lastAccessTime")),
                    nanos(a.get("lastModifiedTime")),
                    nanos(a.get("ctime")));
        } catch (IOException e) {
            throw new UncheckedIOException("lstat " + p, e);
        }
    }

    private static long nanos(Object fileTime) {
        return ((FileTime) fileTime).to(TimeUnit.NANOSECONDS);
    }

    public int type() {
        return mode & S_IFMT;
    }

    /** The permission bits including setuid, setgid and sticky (07777). */
    public int permissions() {
        return mode & 07777;
    }

    public String octalPermissions() {
        return String.format("%04o", permissions());
    }
}
