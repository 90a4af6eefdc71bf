package io.tgcryptfs.journal;

import io.tgcryptfs.crypto.IntegrityException;
import io.tgcryptfs.crypto.MetadataCipher;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/**
 * One journal file: {@code "TGCJNL01" | fileId[16]}, then frames {@code length:i32 | sequence:i64 |
 * sealed record} where the record is sealed with the metadata cipher under the label
 * {@code journal:<fileId>:<sequence>} (so a frame cannot be moved to another file or renumbered).
 * Record plaintext: {@code ino:i64 | block:i64 | count:i32 | count x (start:i32 | length:i32 | bytes)}.
 */
final class JournalSegment implements AutoCloseable {
    private static final byte[] MAGIC = "TGCJNL01".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int HEADER = MAGIC.length + 16;

    final int number;
    final Path file;
    private final String fileId;
    private final FileChannel channel;
    private final MetadataCipher cipher;
    private long size;
    long maxSequence;

    private JournalSegment(int number, Path file, String fileId, FileChannel channel, MetadataCipher cipher, long size) {
        this.number = number;
        this.file = file;
        this.fileId = fileId;
        this.channel = channel;
        this.cipher = cipher;
        this.size = size;
    }

    static JournalSegment create(Path dir, int number, MetadataCipher cipher, byte[] id) throws IOException {
        Path file = dir.resolve(String.format("%08d.wal", number));
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        ByteBuffer header = ByteBuffer.allocate(HEADER).put(MAGIC).put(id).flip();
        while (header.hasRemaining()) {
            ch.write(header);
        }
        return new JournalSegment(number, file, HexFormat.of().formatHex(id), ch, cipher, HEADER);
    }

    long size() {
        return size;
    }

    /** Appends the records' frames with one write (an fsync's records are many small ones). */
    void append(List<JournalRecord> records) throws IOException {
        List<byte[]> sealed = new ArrayList<>(records.size());
        int total = 0;
        for (JournalRecord record : records) {
            byte[] frame = cipher.seal(label(fileId, record.sequence()), encode(record));
            sealed.add(frame);
            total += 4 + 8 + frame.length;
        }
        ByteBuffer frames = ByteBuffer.allocate(total);
        for (int i = 0; i < records.size(); i++) {
            frames.putInt(8 + sealed.get(i).length).putLong(records.get(i).sequence()).put(sealed.get(i));
            maxSequence = Math.max(maxSequence, records.get(i).sequence());
        }
        frames.flip();
        while (frames.hasRemaining()) {
            size += channel.write(frames, size);
        }
    }

    void force() throws IOException {
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /**
     * Reads every whole, authentic frame in order; stops at the first torn or failing one (the tail a
     * crash cut short) and returns how many frames were skipped after it because they could not be read.
     */
    static void read(Path file, MetadataCipher cipher, Consumer<JournalRecord> records, Consumer<String> problems)
            throws IOException {
        try (InputStream raw = Files.newInputStream(file); DataInputStream in = new DataInputStream(
                new java.io.BufferedInputStream(raw, 1 << 16))) {
            byte[] magic = new byte[MAGIC.length];
            byte[] id = new byte[16];
            try {
                in.readFully(magic);
                in.readFully(id);
            } catch (EOFException e) {
                return; // created, never written
            }
            if (!Arrays.equals(magic, MAGIC)) {
                problems.accept(file + " is not a tgcryptfs journal");
                return;
            }
            String fileId = HexFormat.of().formatHex(id);
            while (true) {
                int length;
                long sequence;
                byte[] sealed;
                try {
                    length = in.readInt();
                    if (length < 8 || length > (64 << 20)) {
                        problems.accept(file + ": a frame length of " + length + " ends the journal there");
                        return;
                    }
                    sequence = in.readLong();
                    sealed = new byte[length - 8];
                    in.readFully(sealed);
                } catch (EOFException e) {
                    return; // the end, or a frame the crash cut short
                }
                try {
                    records.accept(decode(sequence, cipher.open(label(fileId, sequence), sealed)));
                } catch (IntegrityException | IllegalArgumentException e) {
                    problems.accept(file + ": frame " + sequence + " does not authenticate; the journal ends there");
                    return;
                }
            }
        }
    }

    private static String label(String fileId, long sequence) {
        return "journal:" + fileId + ":" + sequence;
    }

    private static byte[] encode(JournalRecord r) {
        int size = 8 + 8 + 4;
        for (JournalRecord.Range range : r.ranges()) {
            size += 8 + range.bytes().length;
        }
        ByteBuffer b = ByteBuffer.allocate(size).putLong(r.ino()).putLong(r.block()).putInt(r.ranges().size());
        for (JournalRecord.Range range : r.ranges()) {
            b.putInt(range.start()).putInt(range.bytes().length).put(range.bytes());
        }
        return b.array();
    }

    private static JournalRecord decode(long sequence, byte[] plain) {
        try {
            ByteBuffer b = ByteBuffer.wrap(plain);
            long ino = b.getLong();
            long block = b.getLong();
            int count = b.getInt();
            if (count < 0 || count > plain.length / 8) {
                throw new IllegalArgumentException("range count out of bounds");
            }
            List<JournalRecord.Range> ranges = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int start = b.getInt();
                int length = b.getInt();
                if (start < 0 || length < 0 || length > b.remaining()) {
                    throw new IllegalArgumentException("range out of bounds");
                }
                byte[] bytes = new byte[length];
                b.get(bytes);
                ranges.add(new JournalRecord.Range(start, bytes));
            }
            return new JournalRecord(sequence, ino, block, List.copyOf(ranges));
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("record is truncated", e);
        }
    }
}
