package io.tgcryptfs.gateway;

/** Who is asking (the FUSE request context): new files belong to this uid and gid. */
public record Caller(int uid, int gid, int pid) {
    public static final Caller ROOT = new Caller(0, 0, 0);
}
