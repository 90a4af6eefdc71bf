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
    private record Open(int handles, boolean unlinked) {
    }

    private final ConcurrentHashMap<Long, Open> open = new ConcurrentHashMap<>();

    public void opened(long ino) {
        open.merge(ino, new Open(1, false), (was, one) -> new Open(was.handles() + 1, was.unlinked()));
    }

    /**
     * @return true when this was the last handle of an inode that lost its last name while open: the
     *         caller deletes it now
     */
    public boolean released(long ino) {
        boolean[] last = {false};
        open.computeIfPresent(ino, (k, was) -> {
            if (was.handles() > 1) {
                return new Open(was.handles() - 1, was.unlinked());
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
            return was.unlinked() ? was : new Open(was.handles(), true);
        });
        return kept[0];
    }

    public boolean isOpen(long ino) {
        return open.containsKey(ino);
    }

    public int openInodes() {
        return open.size();
    }
}
