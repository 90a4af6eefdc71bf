package io.tgcryptfs.backup;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The encrypted part of the root record: the newest published restore point and the one before it
 * (the fallback when the newest cannot be read). The body's sequence is the newest point's sequence.
 *
 * <p>Version 2 names restore-point manifests; version 1 (before the metadata log) named a whole-LMDB
 * snapshot and is still read, so a volume published by an older release restores.
 */
public record RootBody(int version, long sequence, PointRef latest, PointRef previous) {
    public static final int VERSION = 2;
    static final int LEGACY_VERSION = 1;
    public static final RootBody EMPTY = new RootBody(VERSION, 0, PointRef.NONE, PointRef.NONE);

    /** A restore point's manifest on the backend: where it is, its object name and when it was captured. */
    public record PointRef(long sequence, String ref, String name, long createdMillis) {
        public static final PointRef NONE = new PointRef(0, "", "", 0);

        public boolean exists() {
            return !ref.isEmpty();
        }
    }

    /** The body after publishing {@code next}: this body's latest becomes the fallback. */
    public RootBody advance(PointRef next) {
        return new RootBody(VERSION, next.sequence(), next, latest);
    }

    public boolean legacy() {
        return version == LEGACY_VERSION;
    }

    public byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(1 + 8 + size(latest) + size(previous)).put((byte) VERSION).putLong(sequence);
        put(out, latest);
        put(out, previous);
        return out.array();
    }

    public static RootBody decode(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            int version = in.get();
            long sequence = in.getLong();
            if (version == LEGACY_VERSION) {
                // latest snapshot ref and label, previous ref and label; the label was "meta-snapshot:<name>"
                PointRef latest = new PointRef(sequence, string(in), legacyName(string(in)), 0);
                PointRef previous = new PointRef(sequence - 1, string(in), legacyName(string(in)), 0);
                return new RootBody(version, sequence, latest, previous);
            }
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown root body version " + version);
            }
            return new RootBody(version, sequence, get(in), get(in));
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("root body is truncated", e);
        }
    }

    private static String legacyName(String label) {
        return label.startsWith("meta-snapshot:") ? label.substring("meta-snapshot:".length()) : label;
    }

    private static int size(PointRef p) {
        return 8 + 4 + bytes(p.ref()).length + 4 + bytes(p.name()).length + 8;
    }

    private static void put(ByteBuffer out, PointRef p) {
        out.putLong(p.sequence());
        byte[] ref = bytes(p.ref());
        byte[] name = bytes(p.name());
        out.putInt(ref.length).put(ref).putInt(name.length).put(name).putLong(p.createdMillis());
    }

    private static PointRef get(ByteBuffer in) {
        long sequence = in.getLong();
        String ref = string(in);
        String name = string(in);
        return new PointRef(sequence, ref, name, in.getLong());
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
