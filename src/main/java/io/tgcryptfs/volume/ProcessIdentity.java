package io.tgcryptfs.volume;

import com.sun.security.auth.module.UnixSystem;

/** The uid and gid of this process: a new volume's root directory belongs to whoever created it. */
final class ProcessIdentity {
    private static final UnixSystem UNIX = new UnixSystem();

    private ProcessIdentity() {
    }

    static int uid() {
        return (int) UNIX.getUid();
    }

    static int gid() {
        return (int) UNIX.getGid();
    }
}
