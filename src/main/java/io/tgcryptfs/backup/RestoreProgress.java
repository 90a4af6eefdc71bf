package io.tgcryptfs.backup;

/** How far a restore is: objects and sealed bytes applied out of the totals. */
public record RestoreProgress(int objectsDone, int objectsTotal, long bytesDone, long bytesTotal) {
}
