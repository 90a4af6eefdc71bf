package io.tgcryptfs.engine;

import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The names libfuse 2 gives files unlinked while open: it renames such a file to ".fuse_hidden..." and
 * unlinks that name after the last close. For POSIX that rename is the unlink, so the name is kept here,
 * in memory, and never in the metadata: it is no link of the file (a file with another name keeps
 * exactly that one), no listing shows it, no restore point captures it, a crash leaves nothing behind,
 * and libfuse still reaches the open file by it until it unlinks it.
 */
public final class HiddenFiles {
    private record Name(long parent, String name) {
    }

    private final ConcurrentHashMap<Name, Long> names = new ConcurrentHashMap<>();

    void hide(long parent, String name, long ino) {
        names.put(new Name(parent, name), ino);
    }

    /** The open file libfuse hid under {@code name} in {@code parent}, if it did. */
    public OptionalLong find(long parent, String name) {
        if (names.isEmpty() || !HiddenNames.isHidden(name)) {
            return OptionalLong.empty(); // the common case costs no allocation
        }
        Long ino = names.get(new Name(parent, name));
        return ino == null ? OptionalLong.empty() : OptionalLong.of(ino);
    }

    void remove(long parent, String name) {
        names.remove(new Name(parent, name));
    }

    /** Drops the names in directory {@code dir}, removed: nothing reaches them by path any more. */
    void dropDirectory(long dir) {
        if (!names.isEmpty()) {
            names.keySet().removeIf(n -> n.parent() == dir);
        }
    }
}
