package io.tgcryptfs.crypto;

import io.tgcryptfs.fs.ChunkId;
import java.security.GeneralSecurityException;
import java.util.Objects;
import javax.crypto.Mac;

/**
 * Keyed chunk ids: HMAC-SHA256(chunkIdKey, plaintext). Keyed so the backend (which never sees ids in
 * clear anyway) and anyone holding a guess of a block's content cannot confirm it. Thread-safe: one
 * {@link Mac} per thread, keyed once, because keying costs two hash blocks per call otherwise.
 */
public final class ChunkIdHasher {
    private final SubKey key;
    private final ThreadLocal<Mac> macs;

    ChunkIdHasher(SubKey key) {
        this.key = key;
        this.macs = ThreadLocal.withInitial(this::newMac);
    }

    public ChunkId idOf(byte[] data, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, data.length);
        key.ensureLive();
        Mac mac = macs.get();
        mac.update(data, offset, length);
        return ChunkId.of(mac.doFinal());
    }

    public ChunkId idOf(byte[] data) {
        return idOf(data, 0, data.length);
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM lacks HmacSHA256", e);
        }
    }
}
