package io.tgcryptfs.engine;

import io.tgcryptfs.meta.MetaReader;

/**
 * Finds an inode inside the transaction that is about to change it (the gateway passes its path
 * resolution this way): finding and changing then see one state, and cost one transaction instead of
 * a read transaction followed by a write.
 */
@FunctionalInterface
public interface Lookup {
    /** @throws io.tgcryptfs.fs.FsException when there is nothing to find; the change does not happen */
    long in(MetaReader r);
}
