package io.tgcryptfs.cli;

/**
 * Something served from the mount while it is up, such as the smbd of {@code timemachine mount --share}:
 * started once the mount is up, and stopped before the mount goes, because it holds files of the mount
 * open (an unmount would find the mount busy) and, outliving it, would serve the empty mount point.
 */
interface MountCompanion {
    MountCompanion NONE = new MountCompanion() {
        @Override
        public void mounted() {
        }

        @Override
        public boolean stop() {
            return false;
        }
    };

    /** The mount is up: start serving. Called from the FUSE init callback, so it must not block. */
    void mounted();

    /**
     * Stops serving and waits until nothing of it holds files of the mount open. Safe to call again and
     * from any thread; true if this call stopped something.
     */
    boolean stop();
}
