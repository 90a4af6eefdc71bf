package io.tgcryptfs.chunk;

import io.tgcryptfs.fs.ChunkId;
import io.tgcryptfs.fs.PackId;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The pack file layout, shared by the outbox writer, the cache and recovery:
 * <pre>
 *   "TGCPACK1"                      8 bytes magic
 *   sealed chunk, sealed chunk ...  each as produced by ChunkCipher (offsets live in the index)
 *   sealed index                    MetadataCipher, label "pack-index:" + pack id hex
 *   index length                    4 bytes, big-endian
 *   "TGCPIDX1"                      8 bytes magic
 * </pre>
 * The index lists (chunk id, offset, sealed length, plain length) for every chunk appended, so the
 * chunk table can be rebuilt from packs alone.
 */
public final class PackFormat {
    public static final byte[] MAGIC = "TGCPACK1".getBytes(StandardCharsets.US_ASCII);
    public static final byte[] INDEX_MAGIC = "TGCPIDX1".getBytes(StandardCharsets.US_ASCII);

    private PackFormat() {
    }

    public record IndexEntry(ChunkId id, long offset, int sealedLength, int plainLength) {
    }

    public static String indexLabel(PackId pack) {
        return "pack-index:" + pack.hex();
    }

    public static byte[] encodeIndex(List<IndexEntry> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(entries.size() * 48 + 8);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeInt(entries.size());
            for (IndexEntry e : entries) {
                out.write(e.id().bytes());
                out.writeLong(e.offset());
                out.writeInt(e.sealedLength());
                out.writeInt(e.plainLength());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static List<IndexEntry> decodeIndex(byte[] plain) {
        ByteBuffer in = ByteBuffer.wrap(plain);
        if (in.get() != 1) {
            throw new IllegalArgumentException("unknown pack index version");
        }
        int n = in.getInt();
        List<IndexEntry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] id = new byte[ChunkId.LENGTH];
            in.get(id);
            entries.add(new IndexEntry(ChunkId.of(id), in.getLong(), in.getInt(), in.getInt()));
        }
        return entries;
    }

    public static String fileName(PackId pack) {
        return pack.hex() + ".pack";
    }
}
