package io.tgcryptfs.volume;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The encrypted part of the root record: the latest metadata snapshot (reference and the label its
 * encryption is bound to), its sequence number, and the snapshot before it, kept as a fallback.
 * Snapshots older than that are deleted from the backend.
 */
public record RootBody(long sequence, Snapshot latest, Snapshot previous) {
    public static final RootBody EMPTY = new RootBody(0, Snapshot.NONE, Snapshot.NONE);

    /** A snapshot object on the backend; NONE has an empty reference. */
    public record Snapshot(String ref, String label) {
        public static final Snapshot NONE = new Snapshot("", "");

        public boolean exists() {
            return !ref.isEmpty();
        }
    }

    /**
     * The body after publishing {@code next}: this body's latest becomes the fallback, and the sequence
     * moves past both this body's and {@code atLeast}.
     */
    public RootBody advance(Snapshot next, long atLeast) {
        return new RootBody(Math.max(sequence, atLeast) + 1, next, latest);
    }

    public byte[] encode() {
        byte[][] parts = {bytes(latest.ref()), bytes(latest.label()), bytes(previous.ref()), bytes(previous.label())};
        int size = 1 + 8;
        for (byte[] p : parts) {
            size += 4 + p.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size).put((byte) 1).putLong(sequence);
        for (byte[] p : parts) {
            out.putInt(p.length).put(p);
        }
        return out.array();
    }

    public static RootBody decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (in.get() != 1) {
            throw new IllegalArgumentException("unknown root body version");
        }
        long sequence = in.getLong();
        Snapshot latest = new Snapshot(string(in), string(in));
        Snapshot previous = new Snapshot(string(in), string(in));
        return new RootBody(sequence, latest, previous);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(ByteBuffer in) {
        int n = in.getInt();
        if (n < 0 || n > in.remaining()) {
            throw new IllegalArgumentException("root body field length out of range");
        }
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
