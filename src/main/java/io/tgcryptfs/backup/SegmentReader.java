package io.tgcryptfs.backup;

import io.tgcryptfs.crypto.IntegrityException;
import io.tgcryptfs.crypto.MetadataCipher;
import io.tgcryptfs.meta.MetaRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Opens a sealed segment and hands its records out in batches, checking the count the manifest promised. */
final class SegmentReader {
    private SegmentReader() {
    }

    static void read(MetadataCipher cipher, SegmentRef segment, byte[] sealed, int batchSize,
                     Consumer<List<MetaRecord>> batches) throws IntegrityException {
        byte[] plain = cipher.open(segment.label(), sealed);
        long count = 0;
        try {
            Codec.In in = new Codec.In(plain, "metadata segment " + segment.name());
            if (in.u8() != SegmentWriter.VERSION) {
                throw new IntegrityException("metadata segment " + segment.name() + " has an unknown version");
            }
            List<MetaRecord> batch = new ArrayList<>(batchSize);
            while (!in.done()) {
                int keyLength = (in.u8() << 8) | in.u8();
                if (keyLength == 0) {
                    throw new IllegalArgumentException("empty key");
                }
                byte[] key = in.raw(keyLength);
                int valueLength = in.i32();
                batch.add(new MetaRecord(key, valueLength < 0 ? null : in.raw(valueLength)));
                count++;
                if (batch.size() == batchSize) {
                    batches.accept(batch);
                    batch = new ArrayList<>(batchSize);
                }
            }
            if (!batch.isEmpty()) {
                batches.accept(batch);
            }
        } catch (IllegalArgumentException e) {
            throw new IntegrityException("metadata segment " + segment.name() + " is damaged: " + e.getMessage());
        }
        if (count != segment.records()) {
            throw new IntegrityException("metadata segment " + segment.name() + " holds " + count
                    + " records, its manifest says " + segment.records());
        }
    }
}
