package io.tgcryptfs.chunk;

import io.tgcryptfs.fs.PackId;

/** Told when a pack is complete and waiting for upload (the upload pipeline listens). */
@FunctionalInterface
public interface PackSealedListener {
    void packSealed(PackId pack);
}
