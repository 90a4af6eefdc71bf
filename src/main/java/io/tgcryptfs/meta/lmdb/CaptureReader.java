package io.tgcryptfs.meta.lmdb;

import io.tgcryptfs.meta.CaptureView;
import io.tgcryptfs.meta.MetaRecord;
import io.tgcryptfs.meta.RecordSink;
import org.lmdbjava.Dbi;
import org.lmdbjava.Txn;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/** The read view of a capture: the replication log ('Z') and the replicated tables, read in one transaction. */
final class CaptureReader extends TxnReader implements CaptureView {
    private final long generation;

    CaptureReader(Txn<ByteBuffer> txn, Dbi<ByteBuffer> dbi, long generation) {
        super(txn, dbi);
        this.generation = generation;
    }

    @Override
    public long generation() {
        return generation;
    }

    @Override
    public void changes(RecordSink sink) throws IOException {
        byte[] prefix = Keys.changedPrefix();
        try {
            scanKeys(prefix, prefix, (changedKey, none) -> {
                byte[] key = Keys.keyOfChanged(changedKey);
                emit(sink, new MetaRecord(key, get(key)));
                return true;
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public void everything(RecordSink sink) throws IOException {
        try {
            scan(new byte[0], new byte[] {0}, true, (key, value) -> {
                if (Keys.replicated(key)) {
                    emit(sink, new MetaRecord(key, value));
                }
                return true;
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public boolean hasChanges() {
        boolean[] found = {false};
        byte[] prefix = Keys.changedPrefix();
        scanKeys(prefix, prefix, (key, value) -> {
            found[0] = true;
            return false;
        });
        return found[0];
    }

    private static void emit(RecordSink sink, MetaRecord record) {
        try {
            sink.accept(record);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
