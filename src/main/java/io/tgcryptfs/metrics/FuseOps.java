package io.tgcryptfs.metrics;

import java.util.List;

/**
 * The operation names the FUSE adapter reports. Their series are created at zero when metrics start,
 * so the first burst of any operation is a rise Prometheus's {@code rate()} can see.
 */
final class FuseOps {
    static final List<String> ALL = List.of(
            "access", "chmod", "chown", "create", "fallocate", "fgetattr", "flush", "fsync", "fsyncdir",
            "ftruncate", "getattr", "getxattr", "link", "listxattr", "mkdir", "mknod", "open", "opendir", "read",
            "readdir", "readlink", "release", "releasedir", "removexattr", "rename", "rmdir", "setxattr", "statfs", "symlink", "truncate",
            "unlink", "utimens", "write");

    private FuseOps() {
    }
}
