package io.tgcryptfs.engine;

import java.util.concurrent.ConcurrentHashMap;

/**
 * How many open handles each inode has, and whether it lost its last name while open: such an inode
 * lives on until the last handle is released, and only then must be deleted. Knowing that here lets
 * the close of an ordinary file skip the namespace altogether.
 *
 * <p>Each inode's state changes atomically, so an unlink racing the last close always ends with
 * exactly one of them deleting the inode: either {@link #keepUnlinked} sees the handle and the close
 * later learns it must delete, or the close came first and the unlink sees no handle and deletes.
 */
public final class OpenFiles {
    /** {@code writers}: handles open for writing, through which the kernel's page cache may hold writes. */
    private record Open(int handles, int writers, boolean unlinked) {
    }

    private final ConcurrentHashMap<Long, Open> open = new ConcurrentHashMap<>();

    public void opened(long ino, boolean writable) {
        int w = writable ? 1 : 0;
        open.merge(ino, new Open(1, w, false), (was, one) -> new Open(was.handles() + 1, was.writers() + w, was.unlinked()));
    }

    /**
     * @return true when this was the last handle of an inode that lost its last name while open: the
     *         caller deletes it now
     */
    public boolean released(long ino, boolean writable) {
        boolean[] last = {false};
        open.computeIfPresent(ino, (k, was) -> {
            if (was.handles() > 1) {
                return new Open(was.handles() - 1, was.writers() - (writable ? 1 : 0), was.unlinked());
            }
            last[0] = was.unlinked();
            return null;
        });
        return last[0];
    }

    /**
     * The inode's link count dropped to zero: if it is open, remember that its last close must delete
     * it and return true (the caller keeps it for now); otherwise return false (the caller deletes it).
     */
    public boolean keepUnlinked(long ino) {
        boolean[] kept = {false};
        open.computeIfPresent(ino, (k, was) -> {
            kept[0] = true;
            return was.unlinked() ? was : new Open(was.handles(), was.writers(), true);
        });
        return kept[0];
    }

    public boolean isOpen(long ino) {
        return open.containsKey(ino);
    }

    /**
     * Whether a handle open for writing reaches {@code ino}: until its release the kernel's writeback
     * cache may hold writes to it that no request has brought yet (it writes them back at the release).
     */
    public boolean hasWriters(long ino) {
        Open o = open.get(ino);
        return o != null && o.writers() > 0;
    }

    public int openInodes() {
        return open.size();
    }
}
