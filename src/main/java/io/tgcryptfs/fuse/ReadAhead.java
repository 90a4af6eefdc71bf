package io.tgcryptfs.fuse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The kernel's readahead for this mount. A FUSE mount gets 128 KiB, so a sequential reader has about
 * one request in flight and waits a round trip for each: a cold 1 GiB read ran 440-480 MB/s here with
 * 128 KiB and 670-690 MB/s with 4 MiB (and 1 MiB requests, {@link InitReply}). The window lives in the mount's
 * backing device info, {@code /sys/class/bdi/MAJOR:MINOR/read_ahead_kb}, which only root may write, and
 * only after the kernel has processed libfuse's INIT reply (which lowers it to what libfuse asked for).
 * Without permission the kernel's default stays, and the mount works as before.
 */
final class ReadAhead {
    private static final Logger log = LoggerFactory.getLogger(ReadAhead.class);

    private ReadAhead() {
    }

    /** Sets the window of the mount at {@code mountPoint}; 0 bytes leaves the kernel's. */
    static void apply(Path mountPoint, long bytes) {
        apply(mountPoint, bytes, Path.of("/proc/self/mountinfo"), Path.of("/sys/class/bdi"));
    }

    static void apply(Path mountPoint, long bytes, Path mountInfo, Path bdiRoot) {
        if (bytes <= 0) {
            return;
        }
        String target = mountPoint.toAbsolutePath().normalize().toString();
        try {
            String device = null;
            for (String line : Files.readAllLines(mountInfo)) {
                String[] fields = line.split(" ");
                // the last mount on the path is the one on top: ours
                if (fields.length > 4 && unescape(fields[4]).equals(target)) {
                    device = fields[2];
                }
            }
            if (device == null) {
                log.debug("readahead left as it is: {} is not in {}", target, mountInfo);
                return;
            }
            Files.writeString(bdiRoot.resolve(device).resolve("read_ahead_kb"), Long.toString(Math.max(1, bytes >> 10)));
        } catch (IOException | SecurityException e) {
            log.debug("readahead left as it is (the kernel's default): {}", e.toString());
        }
    }

    private static String unescape(String field) {
        return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }
}
