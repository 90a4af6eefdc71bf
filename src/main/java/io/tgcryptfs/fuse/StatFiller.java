package io.tgcryptfs.fuse;

import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.gateway.Stat;
import ru.serce.jnrfuse.struct.FileStat;

/** Inode -> struct stat. */
final class StatFiller {
    private static final int DIRECTORY_SIZE = 4096;

    private StatFiller() {
    }

    static void fill(Stat s, FileStat stat, int blockSize) {
        Inode inode = s.inode();
        stat.st_ino.set(inode.ino());
        stat.st_mode.set(inode.kind().typeBits() | inode.mode());
        stat.st_nlink.set(inode.nlink());
        stat.st_uid.set(inode.uid());
        stat.st_gid.set(inode.gid());
        stat.st_size.set(size(inode));
        stat.st_rdev.set(inode.rdev());
        stat.st_blksize.set(blockSize);
        stat.st_blocks.set(blocks(s));
        stat.st_atim.tv_sec.set(inode.atime().seconds());
        stat.st_atim.tv_nsec.set(inode.atime().nanos());
        stat.st_mtim.tv_sec.set(inode.mtime().seconds());
        stat.st_mtim.tv_nsec.set(inode.mtime().nanos());
        stat.st_ctim.tv_sec.set(inode.ctime().seconds());
        stat.st_ctim.tv_nsec.set(inode.ctime().nanos());
    }

    /** st_size: a directory shows a block's size, as on ext4. */
    static long size(Inode inode) {
        return inode.isDirectory() ? DIRECTORY_SIZE : inode.size();
    }

    /** st_blocks: 512-byte units of what is stored (a sparse file's holes take no space, as du expects). */
    static long blocks(Stat s) {
        return (s.allocatedBytes() + 511) / 512;
    }
}
