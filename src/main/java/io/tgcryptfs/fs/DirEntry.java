package io.tgcryptfs.fs;

/** One name in a directory and the inode it points to. */
public record DirEntry(String name, long ino) {
}
