package io.tgcryptfs.meta;

import java.io.IOException;

/**
 * A consistent read view taken for the metadata log: every change marked in a generation up to
 * {@link #generation()} is visible in it, so shipping {@link #changes} (or {@link #everything}) makes
 * the backend's copy equal to this view.
 */
public interface CaptureView extends MetaReader {
    /** Changes of this generation and the ones before are covered by this view. */
    long generation();

    /**
     * Every replicated key changed since the marks were last forgotten, with its value in this view
     * (null when deleted). A key may come more than once; applying them in order is what counts.
     */
    void changes(RecordSink sink) throws IOException;

    /** Every replicated key and value (a full checkpoint). */
    void everything(RecordSink sink) throws IOException;

    /** Whether any change is marked (cheap). */
    boolean hasChanges();
}
