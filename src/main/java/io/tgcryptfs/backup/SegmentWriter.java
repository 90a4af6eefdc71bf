package io.tgcryptfs.backup;

import io.tgcryptfs.crypto.MetadataCipher;
import io.tgcryptfs.meta.MetaRecord;
import io.tgcryptfs.meta.RecordSink;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Cuts a stream of metadata records into sealed segment files no larger than the backend's object
 * size, holding at most one segment's plaintext in memory. Files are forced to disk before
 * {@link #finish} returns, so a recorded capture never names a segment a crash could lose.
 *
 * <p>Segment plaintext: {@code version:u8 = 1}, then per record {@code keyLength:u16 | key |
 * valueLength:i32 (-1 = deleted) | value}.
 */
final class SegmentWriter implements RecordSink {
    static final int VERSION = 1;
    private static final int RECORD_OVERHEAD = 2 + 4;

    private final Path dir;
    private final MetadataCipher cipher;
    private final RandomGenerator random;
    private final int maxPlainBytes;
    private final long point;
    private final List<SegmentRef> written = new ArrayList<>();
    private ByteArrayOutputStream buffer;
    private DataOutputStream out;
    private long records;

    SegmentWriter(Path dir, MetadataCipher cipher, RandomGenerator random, long maxSealedBytes, long point) {
        this.point = point;
        this.dir = dir;
        this.cipher = cipher;
        this.random = random;
        this.maxPlainBytes = (int) Math.min(Integer.MAX_VALUE - 64, maxSealedBytes - MetadataCipher.OVERHEAD);
        if (maxPlainBytes < 128 * 1024) {
            throw new IllegalArgumentException("segments must be able to hold at least 128 KiB");
        }
    }

    @Override
    public void accept(MetaRecord record) throws IOException {
        int size = RECORD_OVERHEAD + record.key().length + (record.deleted() ? 0 : record.value().length);
        if (out != null && buffer.size() + size > maxPlainBytes) {
            flush();
        }
        if (out == null) {
            buffer = new ByteArrayOutputStream(64 * 1024);
            out = new DataOutputStream(buffer);
            out.writeByte(VERSION);
        }
        out.writeShort(record.key().length);
        out.write(record.key());
        if (record.deleted()) {
            out.writeInt(-1);
        } else {
            out.writeInt(record.value().length);
            out.write(record.value());
        }
        records++;
    }

    /** Seals what is buffered and returns every segment written, in order. */
    List<SegmentRef> finish() throws IOException {
        if (out != null) {
            flush();
        }
        return List.copyOf(written);
    }

    /** Bytes of sealed segments written so far. */
    long sealedBytes() {
        return written.stream().mapToLong(SegmentRef::sealedBytes).sum();
    }

    private void flush() throws IOException {
        byte[] name = new byte[16];
        random.nextBytes(name);
        String hex = HexFormat.of().formatHex(name);
        byte[] sealed = cipher.seal(SegmentRef.label(hex), buffer.toByteArray());
        buffer = null;
        out = null;
        Path file = fileOf(dir, hex);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(sealed);
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ch.force(true);
        }
        written.add(new SegmentRef(hex, point, sealed.length, records, ""));
        records = 0;
    }

    static Path fileOf(Path dir, String name) {
        return dir.resolve(name + ".seg");
    }

    /** Deletes the files of segments that were written but will not be recorded (a failed capture). */
    void discard() {
        for (SegmentRef s : written) {
            try {
                Files.deleteIfExists(fileOf(dir, s.name()));
            } catch (IOException ignored) {
                // start-up removes unrecorded segment files too
            }
        }
    }
}
