package io.tgcryptfs.gateway;

import io.tgcryptfs.fs.Inode;

/** An inode's attributes and how many of its bytes are stored (holes are not), for st_blocks. */
public record Stat(Inode inode, long allocatedBytes) {
}
