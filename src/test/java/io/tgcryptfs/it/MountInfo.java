package io.tgcryptfs.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads {@code /proc/self/mountinfo}: which directories are mount points, and of which type. */
final class MountInfo {

    record Entry(Path mountPoint, String fsType) {}

    private MountInfo() {}

    /** True if {@code dir} is currently a FUSE mount point ({@code fuse} or {@code fuse.*}). */
    static boolean isMounted(Path dir) {
        return entries().stream().anyMatch(e -> e.mountPoint().equals(dir) && e.fsType().startsWith("fuse"));
    }

    static List<Path> mountPoints() {
        return entries().stream().map(Entry::mountPoint).toList();
    }

    static List<Entry> entries() {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/self/mountinfo"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Entry> entries = new ArrayList<>();
        for (String line : lines) {
            // id parent major:minor root mountpoint options [optional fields...] - fstype source superoptions
            String[] f = line.split(" ");
            int separator = List.of(f).indexOf("-");
            if (f.length < 5 || separator < 0 || separator + 1 >= f.length) {
                continue;
            }
            entries.add(new Entry(Path.of(unescape(f[4])), f[separator + 1]));
        }
        return entries;
    }

    /** mountinfo escapes space, tab, newline and backslash as three octal digits. */
    private static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '7') {
                return false;
            }
        }
        return true;
    }
}
