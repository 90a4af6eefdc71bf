package io.tgcryptfs.volume;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** The encrypted part of the root record: where the latest metadata snapshot is, and its sequence. */
public record RootBody(long sequence, String snapshotRef, String snapshotLabel) {
    public static final RootBody EMPTY = new RootBody(0, "", "");

    public byte[] encode() {
        byte[] ref = snapshotRef.getBytes(StandardCharsets.UTF_8);
        byte[] label = snapshotLabel.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + 8 + 4 + ref.length + 4 + label.length)
                .put((byte) 1).putLong(sequence).putInt(ref.length).put(ref).putInt(label.length).put(label).array();
    }

    public static RootBody decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (in.get() != 1) {
            throw new IllegalArgumentException("unknown root body version");
        }
        long sequence = in.getLong();
        byte[] ref = new byte[in.getInt()];
        in.get(ref);
        byte[] label = new byte[in.getInt()];
        in.get(label);
        return new RootBody(sequence, new String(ref, StandardCharsets.UTF_8), new String(label, StandardCharsets.UTF_8));
    }
}
