package io.tgcryptfs.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** This process's view of the mount table ({@code /proc/self/mountinfo}). */
public final class MountInfo {
    private static final Path SELF = Path.of("/proc/self/mountinfo");

    private MountInfo() {
    }

    public static boolean isMounted(Path mountPoint) {
        return device(mountPoint, SELF).isPresent();
    }

    /** The "major:minor" of the topmost mount on {@code mountPoint} in {@code table}, if any. */
    static Optional<String> device(Path mountPoint, Path table) {
        String target = mountPoint.toAbsolutePath().normalize().toString();
        String device = null;
        try {
            for (String line : Files.readAllLines(table)) {
                String[] fields = line.split(" ");
                // later lines are mounted over earlier ones: the last match is the mount on top
                if (fields.length > 4 && unescape(fields[4]).equals(target)) {
                    device = fields[2];
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.ofNullable(device);
    }

    private static String unescape(String field) {
        return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }
}
