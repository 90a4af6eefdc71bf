package io.tgcryptfs.meta.lmdb;

import io.tgcryptfs.fs.ChunkId;
import io.tgcryptfs.fs.FileKind;
import io.tgcryptfs.fs.FileNames;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.fs.Timestamp;
import io.tgcryptfs.meta.ChunkRecord;
import io.tgcryptfs.meta.PackRecord;
import io.tgcryptfs.meta.PackState;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Compact binary values. Each value starts with a format version byte, then fixed-width big-endian
 * fields; strings are a length (int, -1 for null) followed by UTF-8 bytes. The key already carries
 * the record's identity (inode number, chunk id, pack id), so values do not repeat it. Enums are
 * stored as explicit codes, never ordinals, so reordering an enum cannot corrupt stored data.
 * A value that cannot be decoded is an {@code INTEGRITY} error.
 */
final class Codecs {
    static final byte V1 = 1;

    private static final int TIMESTAMP_BYTES = Long.BYTES + Integer.BYTES;

    private Codecs() {
    }

    // ---- inode: v, kind:4 (S_IFMT bits), mode:4, uid:4, gid:4, nlink:4, size:8, rdev:8,
    //      atime, mtime, ctime (seconds:8 nanos:4 each), symlinkTarget (len:4 or -1, utf8)

    static byte[] encodeInode(Inode inode) {
        byte[] target = inode.symlinkTarget() == null
                ? null : FileNames.encode(inode.symlinkTarget());
        int size = 1 + 5 * Integer.BYTES + 2 * Long.BYTES + 3 * TIMESTAMP_BYTES
                + Integer.BYTES + (target == null ? 0 : target.length);
        ByteBuffer b = ByteBuffer.allocate(size)
                .put(V1)
                .putInt(inode.kind().typeBits())
                .putInt(inode.mode())
                .putInt(inode.uid())
                .putInt(inode.gid())
                .putInt(inode.nlink())
                .putLong(inode.size())
                .putLong(inode.rdev());
        putTimestamp(b, inode.atime());
        putTimestamp(b, inode.mtime());
        putTimestamp(b, inode.ctime());
        putBytes(b, target);
        return b.array();
    }

    static Inode decodeInode(long ino, byte[] value) {
        try {
            ByteBuffer b = open(value, "inode", ino);
            FileKind kind = FileKind.fromMode(b.getInt());
            int mode = b.getInt();
            int uid = b.getInt();
            int gid = b.getInt();
            int nlink = b.getInt();
            long size = b.getLong();
            long rdev = b.getLong();
            Timestamp atime = getTimestamp(b);
            Timestamp mtime = getTimestamp(b);
            Timestamp ctime = getTimestamp(b);
            byte[] target = getBytes(b);
            return new Inode(ino, kind, mode, uid, gid, nlink, size, rdev, atime, mtime, ctime,
                    target == null ? null : FileNames.decode(target));
        } catch (RuntimeException e) {
            throw corrupt("inode " + ino, e);
        }
    }

    // ---- directory entry: v, child:8

    static byte[] encodeEntry(long child) {
        return ByteBuffer.allocate(1 + Long.BYTES).put(V1).putLong(child).array();
    }

    static long decodeEntry(byte[] value) {
        try {
            return open(value, "directory entry", null).getLong();
        } catch (RuntimeException e) {
            throw corrupt("directory entry", e);
        }
    }

    // ---- xattr: v, raw bytes

    static byte[] encodeXattr(byte[] data) {
        return ByteBuffer.allocate(1 + data.length).put(V1).put(data).array();
    }

    static byte[] decodeXattr(byte[] value) {
        try {
            ByteBuffer b = open(value, "xattr", null);
            byte[] data = new byte[b.remaining()];
            b.get(data);
            return data;
        } catch (RuntimeException e) {
            throw corrupt("xattr", e);
        }
    }

    // ---- block: v, chunk:32

    static byte[] encodeBlock(ChunkId chunk) {
        return ByteBuffer.allocate(1 + ChunkId.LENGTH).put(V1).put(chunk.bytes()).array();
    }

    static ChunkId decodeBlock(byte[] value) {
        try {
            ByteBuffer b = open(value, "block", null);
            byte[] id = new byte[ChunkId.LENGTH];
            b.get(id);
            return ChunkId.of(id);
        } catch (RuntimeException e) {
            throw corrupt("block", e);
        }
    }

    // ---- chunk: v, pack:16, offset:8, sealedLength:4, plainLength:4, refcount:8

    static byte[] encodeChunk(ChunkRecord chunk) {
        return ByteBuffer.allocate(1 + PackId.LENGTH + Long.BYTES + 2 * Integer.BYTES + Long.BYTES)
                .put(V1)
                .put(chunk.pack().bytes())
                .putLong(chunk.offset())
                .putInt(chunk.sealedLength())
                .putInt(chunk.plainLength())
                .putLong(chunk.refcount())
                .array();
    }

    static ChunkRecord decodeChunk(ChunkId id, byte[] value) {
        try {
            ByteBuffer b = open(value, "chunk", id);
            byte[] pack = new byte[PackId.LENGTH];
            b.get(pack);
            return new ChunkRecord(id, PackId.of(pack), b.getLong(), b.getInt(), b.getInt(), b.getLong());
        } catch (RuntimeException e) {
            throw corrupt("chunk " + id, e);
        }
    }

    // ---- pack: v, state:1, size:8, liveBytes:8, remoteRef (len:4 or -1, utf8)

    static byte[] encodePack(PackRecord pack) {
        byte[] ref = pack.remoteRef() == null ? null : pack.remoteRef().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(2 + 2 * Long.BYTES + Integer.BYTES + (ref == null ? 0 : ref.length))
                .put(V1)
                .put(stateCode(pack.state()))
                .putLong(pack.size())
                .putLong(pack.liveBytes());
        putBytes(b, ref);
        return b.array();
    }

    static PackRecord decodePack(PackId id, byte[] value) {
        try {
            ByteBuffer b = open(value, "pack", id);
            PackState state = stateOf(b.get());
            long size = b.getLong();
            long live = b.getLong();
            byte[] ref = getBytes(b);
            return new PackRecord(id, state, size, live, ref == null ? null : new String(ref, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw corrupt("pack " + id, e);
        }
    }

    static byte stateCode(PackState state) {
        return switch (state) {
            case OPEN -> 1;
            case SEALED -> 2;
            case UPLOADED -> 3;
            case RETIRED -> 4;
        };
    }

    static PackState stateOf(byte code) {
        return switch (code) {
            case 1 -> PackState.OPEN;
            case 2 -> PackState.SEALED;
            case 3 -> PackState.UPLOADED;
            case 4 -> PackState.RETIRED;
            default -> throw new IllegalArgumentException("unknown pack state code " + code);
        };
    }

    // ---- counter: v, value:8

    static byte[] encodeLong(long value) {
        return ByteBuffer.allocate(1 + Long.BYTES).put(V1).putLong(value).array();
    }

    static long decodeLong(byte[] value) {
        try {
            return open(value, "counter", null).getLong();
        } catch (RuntimeException e) {
            throw corrupt("counter", e);
        }
    }

    // ---- marker (orphans, index entries): v only

    static byte[] marker() {
        return new byte[] {V1};
    }

    // ---- helpers

    /** {@code kind} and {@code subject} name the value in an error; the name is built only then. */
    private static ByteBuffer open(byte[] value, String kind, Object subject) {
        if (value.length == 0 || value[0] != V1) {
            String what = subject == null ? kind : kind + " " + subject;
            throw new FsException(FsError.INTEGRITY, what + ": unknown value format "
                    + (value.length == 0 ? "(empty)" : Byte.toString(value[0])));
        }
        return ByteBuffer.wrap(value, 1, value.length - 1);
    }

    private static void putTimestamp(ByteBuffer b, Timestamp t) {
        b.putLong(t.seconds()).putInt(t.nanos());
    }

    private static Timestamp getTimestamp(ByteBuffer b) {
        return new Timestamp(b.getLong(), b.getInt());
    }

    private static void putBytes(ByteBuffer b, byte[] bytes) {
        if (bytes == null) {
            b.putInt(-1);
        } else {
            b.putInt(bytes.length).put(bytes);
        }
    }

    private static byte[] getBytes(ByteBuffer b) {
        int length = b.getInt();
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        b.get(bytes);
        return bytes;
    }

    private static FsException corrupt(String what, RuntimeException cause) {
        if (cause instanceof FsException fs && fs.error() == FsError.INTEGRITY) {
            return fs;
        }
        return new FsException(FsError.INTEGRITY, "undecodable metadata record: " + what, cause);
    }
}
