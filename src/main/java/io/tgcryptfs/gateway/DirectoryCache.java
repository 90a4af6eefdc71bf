package io.tgcryptfs.gateway;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Directory paths already walked, and the inode each names, so resolving a path costs one LMDB lookup
 * (its last name in its directory) instead of one per component: a tar x resolves a path of five or six
 * names for each of a dozen requests per file. Only a rename of a directory and a rmdir change what a
 * directory path names (creates and unlinks of files do not), and each clears the cache after it
 * commits. A walk that began before such a clear must not leave its (possibly stale) answer behind, so
 * every entry carries the generation its walk began in and counts only in that generation.
 */
final class DirectoryCache {
    /** Entries kept before the cache starts over: a path and a long each, a few MB at most. */
    private static final int MAX_ENTRIES = 16_384;

    private record Entry(long ino, long generation) {
    }

    private final ConcurrentHashMap<String, Entry> directories = new ConcurrentHashMap<>();
    private final AtomicLong generation = new AtomicLong();

    /** Read before a walk begins; passed back to {@link #remember}. */
    long generation() {
        return generation.get();
    }

    /** The directory {@code path} names, or -1 when not known in the current generation. */
    long find(String path) {
        Entry e = directories.get(path);
        return e != null && e.generation == generation.get() ? e.ino : -1;
    }

    /** {@code path} named directory {@code ino} in a walk that began in {@code walkGeneration}. */
    void remember(String path, long ino, long walkGeneration) {
        if (walkGeneration != generation.get()) {
            return;
        }
        if (directories.size() >= MAX_ENTRIES) {
            directories.clear();
        }
        directories.put(path, new Entry(ino, walkGeneration));
    }

    /** A directory moved or went away (after its transaction committed). */
    void clear() {
        generation.incrementAndGet();
        directories.clear();
    }
}
