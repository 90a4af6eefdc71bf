package io.tgcryptfs.engine;

import io.tgcryptfs.fs.Timestamp;

import java.time.Duration;

/**
 * File and directory times move in steps, like the kernel's coarse clock behind ext4's times (a tick,
 * 4 ms at HZ=250): a change within a step of the last one leaves the times as they are. That lets a
 * burst of writes to a file, or of creates and unlinks in a directory, skip rewriting an inode whose
 * times would move by less than a step, and with it a page of every LMDB commit.
 */
public final class TimeStep {
    public static final Duration STEP = Duration.ofMillis(4);

    private TimeStep() {
    }

    /** Whether {@code time} lies within the step before {@code now} (a time in the future never does). */
    public static boolean within(Timestamp time, Timestamp now) {
        long ageNanos = (now.seconds() - time.seconds()) * 1_000_000_000L + (now.nanos() - time.nanos());
        return ageNanos >= 0 && ageNanos < STEP.toNanos();
    }
}
