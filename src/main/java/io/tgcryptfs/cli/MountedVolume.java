package io.tgcryptfs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Which tgcryptfs mount a path lies on, from /proc/self/mountinfo: the deepest mount point above it,
 * when that is a tgcryptfs FUSE mount. So set-up commands can tell "this directory is on the encrypted
 * volume" from "this is the empty directory under an unmounted mount point".
 */
final class MountedVolume {
    static final String FS_TYPE = "fuse.tgcryptfs";

    private MountedVolume() {
    }

    /** The mount point of the tgcryptfs mount holding {@code path} (which need not exist yet). */
    static Optional<Path> containing(Path path) {
        Path existing = path.toAbsolutePath().normalize();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return Optional.empty();
        }
        Path real;
        try {
            real = existing.toRealPath();
            Path best = null;
            String bestType = null;
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                int separator = java.util.Arrays.asList(f).indexOf("-");
                if (f.length < 5 || separator < 0 || separator + 1 >= f.length) {
                    continue;
                }
                Path mountPoint = Path.of(unescape(f[4]));
                if (real.startsWith(mountPoint) && (best == null || mountPoint.getNameCount() >= best.getNameCount())) {
                    best = mountPoint;
                    bestType = f[separator + 1];
                }
            }
            return FS_TYPE.equals(bestType) ? Optional.of(best) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String unescape(String field) {
        return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }
}
