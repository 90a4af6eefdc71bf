package io.tgcryptfs.gateway;

/**
 * One open file handle: the inode it reaches, and whether anything was written through it. Only a
 * handle that wrote has dirty blocks of its own to seal when it is closed; closing one that only read
 * (or a freshly created file nobody wrote) costs no message to the band actors.
 */
final class OpenHandle {
    final long ino;
    /** Opened for writing: the kernel may hold writes to the file until this handle's release. */
    final boolean writable;
    /** Set by the writing thread, read by the closing one (FUSE may use two threads). */
    private volatile boolean wrote;

    OpenHandle(long ino, boolean writable) {
        this.ino = ino;
        this.writable = writable;
    }

    void wrote() {
        if (!wrote) {
            wrote = true;
        }
    }

    boolean hasWritten() {
        return wrote;
    }
}
