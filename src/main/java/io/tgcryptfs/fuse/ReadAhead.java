package io.tgcryptfs.fuse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The kernel's readahead for this mount. A FUSE mount gets 128 KiB, so a sequential reader has about
 * one request in flight and waits a round trip for each: a cold 1 GiB read ran 440-480 MB/s here with
 * 128 KiB and 670-690 MB/s with 4 MiB (and 1 MiB requests, {@link InitReply}). The window lives in the
 * mount's backing device info, {@code /sys/class/bdi/MAJOR:MINOR/read_ahead_kb}, which only root may
 * write, and only after the kernel has processed libfuse's INIT reply (which lowers it to what libfuse
 * asked for). Without permission the kernel's default stays, and the mount works as before.
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
        Optional<String> device = MountInfo.device(mountPoint, mountInfo);
        if (device.isEmpty()) {
            log.debug("readahead left as it is: {} is not in {}", mountPoint, mountInfo);
            return;
        }
        try {
            Path window = bdiRoot.resolve(device.get()).resolve("read_ahead_kb");
            Files.writeString(window, Long.toString(Math.max(1, bytes >> 10)));
        } catch (IOException | SecurityException e) {
            log.debug("readahead left as it is (the kernel's default): {}", e.toString());
        }
    }
}
