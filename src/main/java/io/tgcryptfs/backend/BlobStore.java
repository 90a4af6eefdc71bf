package io.tgcryptfs.backend;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The storage backend port: opaque encrypted objects and one small root record. Calls block; the
 * pipelines run them on a dedicated dispatcher and own retries and rate limits. Failures are
 * {@link BackendException}s that say whether a retry can help.
 */
public interface BlobStore extends AutoCloseable {
    /**
     * Stores the file's bytes under {@code name} and returns the backend's reference to them (what
     * {@link #get} and {@link #delete} take). {@code name} is random and reveals nothing.
     */
    String put(String name, Path file) throws BackendException;

    /** Writes the whole object to {@code target}. */
    void get(String ref, Path target) throws BackendException;

    /** Deletes the object; one already gone counts as deleted (an earlier try's answer may have been lost). */
    void delete(String ref) throws BackendException;

    /** The current root record, or empty for a backend nothing was ever written to. */
    Optional<byte[]> getRoot() throws BackendException;

    /** Replaces the root record. */
    void putRoot(byte[] root) throws BackendException;

    /** Human-readable lines about the backend's state (paused chats, last refusal) for `status`. */
    default java.util.List<String> statusLines() {
        return java.util.List.of();
    }

    /** The largest object {@link #put} accepts (and {@link #get} can return), in bytes. */
    long maxObjectBytes();

    @Override
    void close() throws IOException;
}
