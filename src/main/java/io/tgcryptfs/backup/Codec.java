package io.tgcryptfs.backup;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Big-endian writing and bounds-checked reading of the backup package's small records. */
final class Codec {
    private Codec() {
    }

    /** A growable big-endian writer. */
    static final class Out {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final DataOutputStream out = new DataOutputStream(bytes);

        Out u8(int v) {
            return run(() -> out.writeByte(v));
        }

        Out i32(int v) {
            return run(() -> out.writeInt(v));
        }

        Out i64(long v) {
            return run(() -> out.writeLong(v));
        }

        Out raw(byte[] b) {
            return run(() -> out.write(b));
        }

        Out str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return i32(b.length).raw(b);
        }

        byte[] toBytes() {
            return bytes.toByteArray();
        }

        private Out run(IoAction action) {
            try {
                action.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
            }
            return this;
        }

        private interface IoAction {
            void run() throws IOException;
        }
    }

    /** A reader that turns any overrun or bad length into IllegalArgumentException (damaged data). */
    static final class In {
        private final ByteBuffer in;
        private final String what;

        In(byte[] bytes, String what) {
            this.in = ByteBuffer.wrap(bytes);
            this.what = what;
        }

        int u8() {
            return guard(() -> in.get() & 0xff);
        }

        int i32() {
            return guard(in::getInt);
        }

        long i64() {
            return guard(in::getLong);
        }

        byte[] raw(int n) {
            if (n < 0 || n > in.remaining()) {
                throw new IllegalArgumentException(what + ": length " + n + " out of range");
            }
            byte[] b = new byte[n];
            in.get(b);
            return b;
        }

        String str() {
            return new String(raw(i32()), StandardCharsets.UTF_8);
        }

        /** A count of items, each at least {@code minItemBytes} long, that must fit in what is left. */
        int count(int minItemBytes) {
            int n = i32();
            if (n < 0 || (long) n * minItemBytes > in.remaining()) {
                throw new IllegalArgumentException(what + ": count " + n + " out of range");
            }
            return n;
        }

        boolean done() {
            return !in.hasRemaining();
        }

        private <T> T guard(java.util.function.Supplier<T> read) {
            try {
                return read.get();
            } catch (BufferUnderflowException e) {
                throw new IllegalArgumentException(what + " is truncated", e);
            }
        }
    }
}
