package io.tgcryptfs.gateway;

import io.tgcryptfs.fs.Inode;

/** One readdir entry with the attributes the kernel may want (inode number, type). */
public record Listing(String name, Inode inode) {
}
