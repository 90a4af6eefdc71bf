package io.tgcryptfs.meta.lmdb;

import io.tgcryptfs.fs.ChunkId;
import io.tgcryptfs.fs.FileNames;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.meta.PackState;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Key layout of the single LMDB database. Every key starts with a one-byte table prefix followed by
 * fixed-width big-endian fields, so LMDB's byte order is the natural order and a range scan over a
 * prefix lists one directory, one file's blocks or one pack's chunks in order.
 *
 * <pre>
 *   'I' ino:8                             inode
 *   'D' parent:8 name:utf8                directory entry (name in byte order)
 *   'X' ino:8 name:utf8                   extended attribute
 *   'B' ino:8 index:8                     block map
 *   'C' chunk:32                          chunk record
 *   'K' pack:16 offset:8 chunk:32         chunks by pack, in offset order (index of 'C')
 *   'P' pack:16                           pack record
 *   'S' state:1 pack:16                   packs by state (index of 'P')
 *   'N' name:utf8                         named counter
 *   'O' ino:8                             orphan (unlinked while open)
 *   'V' name:utf8                         volume/format information
 *   'L' name:utf8                         local-only bookkeeping (never replicated)
 *   'Z' generation:8 key                  replication log: a replicated key changed in that generation
 * </pre>
 *
 * <p>Every table but 'L' and 'Z' is <em>replicated</em>: a change to it is marked in 'Z' in the same
 * transaction, and the metadata log ships it to the backend (see {@code MetaStore.capture}).
 */
final class Keys {
    static final byte INODE = 'I';
    static final byte ENTRY = 'D';
    static final byte XATTR = 'X';
    static final byte BLOCK = 'B';
    static final byte CHUNK = 'C';
    static final byte CHUNK_BY_PACK = 'K';
    static final byte PACK = 'P';
    static final byte PACK_BY_STATE = 'S';
    static final byte COUNTER = 'N';
    static final byte ORPHAN = 'O';
    static final byte VOLUME = 'V';
    static final byte LOCAL = 'L';
    static final byte CHANGED = 'Z';

    /** POSIX NAME_MAX and the Linux xattr name limit; keeps every key well under LMDB's 511 bytes. */
    static final int MAX_NAME_BYTES = 255;
    /** LMDB's default maximum key size. */
    static final int MAX_KEY_BYTES = 511;

    /** Offset of the variable part (name) in 'D' and 'X' keys, and of the index in 'B' keys. */
    static final int AFTER_INO = 1 + Long.BYTES;

    private Keys() {
    }

    static byte[] inode(long ino) {
        return ByteBuffer.allocate(AFTER_INO).put(INODE).putLong(ino).array();
    }

    static byte[] entryPrefix(long parent) {
        return ByteBuffer.allocate(AFTER_INO).put(ENTRY).putLong(parent).array();
    }

    static byte[] entry(long parent, byte[] name) {
        return ByteBuffer.allocate(AFTER_INO + name.length).put(ENTRY).putLong(parent).put(name).array();
    }

    static byte[] xattrPrefix(long ino) {
        return ByteBuffer.allocate(AFTER_INO).put(XATTR).putLong(ino).array();
    }

    static byte[] xattr(long ino, byte[] name) {
        return ByteBuffer.allocate(AFTER_INO + name.length).put(XATTR).putLong(ino).put(name).array();
    }

    static byte[] blockPrefix(long ino) {
        return ByteBuffer.allocate(AFTER_INO).put(BLOCK).putLong(ino).array();
    }

    static byte[] block(long ino, long index) {
        return ByteBuffer.allocate(AFTER_INO + Long.BYTES).put(BLOCK).putLong(ino).putLong(index).array();
    }

    static byte[] chunk(ChunkId id) {
        return ByteBuffer.allocate(1 + ChunkId.LENGTH).put(CHUNK).put(id.bytes()).array();
    }

    static byte[] chunkByPackPrefix(PackId pack) {
        return ByteBuffer.allocate(1 + PackId.LENGTH).put(CHUNK_BY_PACK).put(pack.bytes()).array();
    }

    static byte[] chunkByPack(PackId pack, long offset, ChunkId id) {
        return ByteBuffer.allocate(1 + PackId.LENGTH + Long.BYTES + ChunkId.LENGTH)
                .put(CHUNK_BY_PACK).put(pack.bytes()).putLong(offset).put(id.bytes()).array();
    }

    /** The chunk id at the end of a 'K' key. */
    static ChunkId chunkOfChunkByPack(byte[] key) {
        return ChunkId.of(Arrays.copyOfRange(key, key.length - ChunkId.LENGTH, key.length));
    }

    static byte[] pack(PackId id) {
        return ByteBuffer.allocate(1 + PackId.LENGTH).put(PACK).put(id.bytes()).array();
    }

    static byte[] packByStatePrefix(PackState state) {
        return new byte[] {PACK_BY_STATE, Codecs.stateCode(state)};
    }

    static byte[] packByState(PackState state, PackId id) {
        return ByteBuffer.allocate(2 + PackId.LENGTH)
                .put(PACK_BY_STATE).put(Codecs.stateCode(state)).put(id.bytes()).array();
    }

    /** The pack id at the end of an 'S' key. */
    static PackId packOfPackByState(byte[] key) {
        return PackId.of(Arrays.copyOfRange(key, 2, key.length));
    }

    static byte[] counter(String name) {
        byte[] n = name(name, "counter name");
        return ByteBuffer.allocate(1 + n.length).put(COUNTER).put(n).array();
    }

    static byte[] orphanPrefix() {
        return new byte[] {ORPHAN};
    }

    static byte[] orphan(long ino) {
        return ByteBuffer.allocate(AFTER_INO).put(ORPHAN).putLong(ino).array();
    }

    static byte[] local(String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + n.length).put(LOCAL).put(n).array();
    }

    static byte[] localPrefix(String namePrefix) {
        return local(namePrefix);
    }

    /** Whether a key belongs to a table the metadata log ships to the backend. */
    static boolean replicated(byte[] key) {
        return key.length > 0 && key[0] != LOCAL && key[0] != CHANGED;
    }

    static byte[] changedPrefix() {
        return new byte[] {CHANGED};
    }

    static byte[] changed(long generation, byte[] key) {
        return ByteBuffer.allocate(1 + Long.BYTES + key.length).put(CHANGED).putLong(generation).put(key).array();
    }

    /** The first 'Z' key of a generation after {@code generation}: everything before it is at or below. */
    static byte[] changedAfter(long generation) {
        return ByteBuffer.allocate(1 + Long.BYTES).put(CHANGED).putLong(generation + 1).array();
    }

    static long generationOfChanged(byte[] changedKey) {
        return longAt(changedKey, 1);
    }

    /** The replicated key inside a 'Z' key. */
    static byte[] keyOfChanged(byte[] changedKey) {
        return Arrays.copyOfRange(changedKey, 1 + Long.BYTES, changedKey.length);
    }

    static byte[] volume(String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + n.length).put(VOLUME).put(n).array();
    }

    /**
     * The bytes of a directory entry, xattr or counter name ({@link FileNames}: UTF-8 for text); longer
     * than {@value #MAX_NAME_BYTES} bytes is {@code NAME_TOO_LONG}.
     */
    static byte[] name(String name, String what) {
        byte[] bytes = FileNames.encode(name);
        if (bytes.length > MAX_NAME_BYTES) {
            throw new FsException(FsError.NAME_TOO_LONG,
                    what + " is " + bytes.length + " bytes, at most " + MAX_NAME_BYTES + " allowed");
        }
        return bytes;
    }

    static String nameAt(byte[] key, int offset) {
        return FileNames.decode(key, offset, key.length - offset);
    }

    static long longAt(byte[] key, int offset) {
        return ByteBuffer.wrap(key, offset, Long.BYTES).getLong();
    }

    static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length
                && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** The smallest key strictly greater than {@code key}: itself followed by a zero byte. */
    static byte[] successor(byte[] key) {
        return Arrays.copyOf(key, key.length + 1);
    }
}
