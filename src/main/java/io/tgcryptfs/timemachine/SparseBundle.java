package io.tgcryptfs.timemachine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A macOS sparse bundle disk image: a directory with Info.plist (and its backup copy Info.bckup), an
 * empty {@code token} file and a {@code bands/} directory of fixed-size band files named by hex index.
 * The band size matches our band actors (8 MiB), so each band file is one actor's region.
 */
public final class SparseBundle {
    public static final long DEFAULT_BAND_SIZE = 8L << 20;
    private static final Pattern INTEGER = Pattern.compile("<key>%s</key>\\s*<integer>(\\d+)</integer>");

    private final Path dir;

    private SparseBundle(Path dir) {
        this.dir = dir;
    }

    public static SparseBundle at(Path dir) {
        return new SparseBundle(dir);
    }

    public Path dir() {
        return dir;
    }

    /** Writes the skeleton that `hdiutil attach` and `tmutil setdestination` accept. */
    public static SparseBundle create(Path parent, String name, long sizeBytes, long bandSize) throws IOException {
        if (name.isEmpty() || name.contains("/")) {
            throw new IllegalArgumentException("invalid bundle name '" + name + "'");
        }
        if (sizeBytes <= 0 || bandSize <= 0 || sizeBytes % 512 != 0) {
            throw new IllegalArgumentException("size must be a positive multiple of 512 bytes");
        }
        Path dir = parent.resolve(name.endsWith(".sparsebundle") ? name : name + ".sparsebundle");
        if (Files.exists(dir)) {
            throw new FileAlreadyExistsException(dir.toString());
        }
        Files.createDirectories(dir.resolve("bands"));
        byte[] plist = infoPlist(sizeBytes, bandSize).getBytes(StandardCharsets.UTF_8);
        Files.write(dir.resolve("Info.plist"), plist);
        Files.write(dir.resolve("Info.bckup"), plist);
        Files.write(dir.resolve("token"), new byte[0]);
        return new SparseBundle(dir);
    }

    static String infoPlist(long sizeBytes, long bandSize) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
                <plist version="1.0">
                <dict>
                \t<key>CFBundleInfoDictionaryVersion</key>
                \t<string>6.0</string>
                \t<key>band-size</key>
                \t<integer>%d</integer>
                \t<key>bundle-backingstore-version</key>
                \t<integer>1</integer>
                \t<key>diskimage-bundle-type</key>
                \t<string>com.apple.diskimage.sparsebundle</string>
                \t<key>size</key>
                \t<integer>%d</integer>
                </dict>
                </plist>
                """.formatted(bandSize, sizeBytes);
    }

    /**
     * What `timemachine status` shows about the bundle itself. {@code lastActivity} is the newest band
     * modification time (what the Mac wrote); {@code lastChange} the newest change time here, which
     * differs after `timemachine sync` (it keeps the source's modification times) and is what a restore
     * point must be newer than.
     */
    public record Summary(long sizeBytes, long bandSize, long bands, long bandBytes, Optional<FileTime> lastActivity,
                          Optional<FileTime> lastChange) {
    }

    public Summary summary() throws IOException {
        String plist = Files.readString(dir.resolve("Info.plist"), StandardCharsets.UTF_8);
        long size = integer(plist, "size");
        long bandSize = integer(plist, "band-size");
        long bands = 0;
        long bytes = 0;
        FileTime last = null;
        FileTime changed = null;
        try (Stream<Path> files = Files.list(dir.resolve("bands"))) {
            for (Path band : files.toList()) {
                bands++;
                bytes += Files.size(band);
                last = newer(last, Files.getLastModifiedTime(band));
                changed = newer(changed, changeTime(band));
            }
        }
        return new Summary(size, bandSize, bands, bytes, Optional.ofNullable(last), Optional.ofNullable(changed));
    }

    private static FileTime newer(FileTime a, FileTime b) {
        return a == null || b.compareTo(a) > 0 ? b : a;
    }

    /** ctime where the platform has it (Linux, macOS), else the modification time. */
    private static FileTime changeTime(Path p) throws IOException {
        try {
            return (FileTime) Files.getAttribute(p, "unix:ctime");
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return Files.getLastModifiedTime(p);
        }
    }

    private static long integer(String plist, String key) throws IOException {
        Matcher m = Pattern.compile(String.format(INTEGER.pattern(), Pattern.quote(key))).matcher(plist);
        if (!m.find()) {
            throw new IOException("Info.plist has no integer '" + key + "': not a sparse bundle?");
        }
        return Long.parseLong(m.group(1));
    }
}
