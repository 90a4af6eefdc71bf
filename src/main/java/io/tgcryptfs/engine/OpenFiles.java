package io.tgcryptfs.engine;

import java.util.concurrent.ConcurrentHashMap;

/** How many open handles each inode has: an unlinked inode lives on until the last one is released. */
public final class OpenFiles {
    private final ConcurrentHashMap<Long, Integer> counts = new ConcurrentHashMap<>();

    public void opened(long ino) {
        counts.merge(ino, 1, Integer::sum);
    }

    /** @return true when this was the last handle */
    public boolean released(long ino) {
        Integer left = counts.computeIfPresent(ino, (k, v) -> v <= 1 ? null : v - 1);
        return left == null;
    }

    public boolean isOpen(long ino) {
        return counts.containsKey(ino);
    }

    public int openInodes() {
        return counts.size();
    }
}
