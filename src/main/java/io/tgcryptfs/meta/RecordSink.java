package io.tgcryptfs.meta;

import java.io.IOException;

/** Receives the records of a capture, in key order per table; may write them out as it goes. */
@FunctionalInterface
public interface RecordSink {
    void accept(MetaRecord record) throws IOException;
}
