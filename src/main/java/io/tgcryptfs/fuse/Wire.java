package io.tgcryptfs.fuse;

/**
 * The numbers of the FUSE protocol (fuse_kernel.h) that the classes reading and rewriting requests and
 * replies on their way through share: opcodes and the layout of the headers.
 */
final class Wire {
    static final int LOOKUP = 1;
    static final int FORGET = 2;
    static final int GETATTR = 3;
    static final int SETATTR = 4;
    static final int SYMLINK = 6;
    static final int MKNOD = 8;
    static final int MKDIR = 9;
    static final int UNLINK = 10;
    static final int RMDIR = 11;
    static final int RENAME = 12;
    static final int LINK = 13;
    static final int OPEN = 14;
    static final int READ = 15;
    static final int WRITE = 16;
    static final int RELEASE = 18;
    static final int FSYNC = 20;
    static final int SETXATTR = 21;
    static final int GETXATTR = 22;
    static final int LISTXATTR = 23;
    static final int REMOVEXATTR = 24;
    static final int FLUSH = 25;
    static final int INIT = 26;
    static final int GETLK = 31;
    static final int SETLK = 32;
    static final int SETLKW = 33;
    static final int CREATE = 35;
    static final int BATCH_FORGET = 42;
    static final int FALLOCATE = 43;
    static final int RENAME2 = 45;
    static final int LSEEK = 46;
    /** fuse_lseek_in: fh, offset at 8, whence at 16, padding. */
    static final int LSEEK_IN = 24;
    static final int SEEK_DATA = 3;
    static final int SEEK_HOLE = 4;

    /** fuse_getattr_in.getattr_flags: the request carries a file handle (an fstat). */
    static final int GETATTR_FH = 1;
    /** fuse_setattr_in.valid: the request carries a file handle (an ftruncate, an fchmod). */
    static final int FATTR_FH = 1 << 6;
    /** fuse_open_out: fh, open_flags, padding; a CREATE's reply ends with one. */
    static final int OPEN_OUT = 16;

    /** fuse_in_header: len, opcode at 4, unique at 8, nodeid at 16, then uid, gid, pid. */
    static final int IN_HEADER = 40;
    static final int IN_OPCODE = 4;
    static final int IN_UNIQUE = 8;
    static final int IN_NODE_ID = 16;
    /** fuse_out_header: len, error at 4, unique at 8. */
    static final int OUT_HEADER = 16;
    static final int OUT_ERROR = 4;
    static final int OUT_UNIQUE = 8;
    /** struct iovec, as libfuse hands a reply to its channel: base, then length at the address size. */
    static final int IOVEC = 16;

    /** The name of a request a worker serves itself, as the FUSE metrics call it. */
    static String name(int opcode) {
        return switch (opcode) {
            case GETATTR -> "getattr";
            case SETATTR -> "setattr";
            case SETXATTR -> "setxattr";
            case GETXATTR -> "getxattr";
            case LISTXATTR -> "listxattr";
            case REMOVEXATTR -> "removexattr";
            default -> "opcode " + opcode;
        };
    }

    private Wire() {
    }
}
