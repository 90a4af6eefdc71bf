package io.tgcryptfs.backup;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import io.tgcryptfs.crypto.IntegrityException;
import io.tgcryptfs.crypto.MetadataCipher;

import java.util.Arrays;
import java.util.Optional;

/**
 * The small record the backend keeps as its root pointer:
 * <pre>"TGCROOT1" | header length:int | volume header (plain: salt, KDF params, wrapped key) |
 * sealed body (MetadataCipher, label "root")</pre>
 * The body names the latest metadata snapshot object, so a new machine needs only the backend
 * settings and the password.
 */
public record RootRecord(byte[] header, byte[] sealedBody) {
    private static final byte[] MAGIC = "TGCROOT1".getBytes(StandardCharsets.US_ASCII);
    public static final String BODY_LABEL = "root";

    public byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(MAGIC.length + 4 + header.length + sealedBody.length);
        out.put(MAGIC).putInt(header.length).put(header).put(sealedBody);
        return out.array();
    }

    public static RootRecord decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        byte[] magic = new byte[MAGIC.length];
        if (bytes.length < MAGIC.length + 4) {
            throw new IllegalArgumentException("root record too short");
        }
        in.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IllegalArgumentException("not a tgcryptfs root record");
        }
        int headerLength = in.getInt();
        if (headerLength < 0 || headerLength > in.remaining()) {
            throw new IllegalArgumentException("root record header length out of range");
        }
        byte[] header = new byte[headerLength];
        in.get(header);
        byte[] body = new byte[in.remaining()];
        in.get(body);
        return new RootRecord(header, body);
    }

    /** The body of a root record as the backend returned it (empty for none), authenticated. */
    public static Optional<RootBody> readBody(Optional<byte[]> root, MetadataCipher cipher) throws IntegrityException {
        if (root.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(RootBody.decode(cipher.open(BODY_LABEL, decode(root.get()).sealedBody())));
        } catch (IllegalArgumentException e) {
            throw new IntegrityException("the backend's root record is damaged: " + e.getMessage(), e);
        }
    }

    /** The encoded root record for {@code header} and {@code body}, the body sealed. */
    public static byte[] seal(byte[] header, RootBody body, MetadataCipher cipher) {
        return new RootRecord(header, cipher.seal(BODY_LABEL, body.encode())).encode();
    }
}
