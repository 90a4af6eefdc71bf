package io.tgcryptfs.engine;

/** Band {@code band} of inode {@code ino}: bytes [band * bandSize, (band + 1) * bandSize). */
public record BandKey(long ino, long band) {
}
