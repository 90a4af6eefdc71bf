package io.tgcryptfs.engine;

import io.tgcryptfs.fs.Timestamp;

/** One field of utimensat: set to a time, to now (UTIME_NOW), or leave alone (UTIME_OMIT). */
public sealed interface TimeChange {
    record At(Timestamp time) implements TimeChange {
    }

    enum Now implements TimeChange {
        INSTANCE
    }

    enum Omit implements TimeChange {
        INSTANCE
    }
}
