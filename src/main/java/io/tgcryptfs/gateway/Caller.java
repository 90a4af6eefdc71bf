package io.tgcryptfs.gateway;

/**
 * Who is asking (the FUSE request context): new files belong to this uid and gid, and take this umask
 * unless their directory has a default ACL (the kernel leaves the umask to us once it enforces ACLs).
 */
public record Caller(int uid, int gid, int pid, int umask) {
    public static final Caller ROOT = new Caller(0, 0, 0);

    /** A caller whose umask the kernel applied already. */
    public Caller(int uid, int gid, int pid) {
        this(uid, gid, pid, 0);
    }
}
