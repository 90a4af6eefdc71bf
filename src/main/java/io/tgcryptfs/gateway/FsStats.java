package io.tgcryptfs.gateway;

/** statfs numbers: capacity and used bytes, inode count, name length limit. */
public record FsStats(long capacityBytes, long usedBytes, long inodes, long maxInodes, int maxNameLength) {
}
