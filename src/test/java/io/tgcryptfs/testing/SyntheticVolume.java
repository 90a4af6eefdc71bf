package io.tgcryptfs.testing;

import io.tgcryptfs.crypto.ChunkIdHasher;
import io.tgcryptfs.fs.ChunkId;
import io.tgcryptfs.fs.FileKind;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.fs.Timestamp;
import io.tgcryptfs.meta.ChunkRecord;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.PackRecord;
import io.tgcryptfs.meta.PackState;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Builds the metadata of a large volume quickly, through the metadata port: directories of 1,000
 * files, each file with its share of block-map entries, every block a distinct chunk (id from the
 * volume's real HMAC) in uploaded packs of 64 chunks, one xattr per ten files. No file data exists:
 * this is for backing up and restoring metadata at scale.
 */
public final class SyntheticVolume {
    public static final long ROOT = 1;
    private static final int FILES_PER_DIR = 1000;
    private static final int CHUNKS_PER_PACK = 64;
    private static final int BLOCK = 256 * 1024;

    private SyntheticVolume() {
    }

    /** Writes {@code files} files holding {@code blocks} blocks in all, {@code filesPerTxn} files per transaction. */
    public static void build(MetaStore meta, ChunkIdHasher ids, int files, long blocks, int filesPerTxn) {
        int dirs = (files + FILES_PER_DIR - 1) / FILES_PER_DIR;
        meta.write(w -> {
            w.putInode(dir(ROOT, dirs + 2));
            for (int d = 0; d < dirs; d++) {
                long ino = dirIno(d);
                w.putInode(dir(ino, 2));
                w.putEntry(ROOT, "dir-" + d, ino);
                w.putEntry(ino, "..", ROOT);
            }
            w.setCounter("next-inode", fileIno(dirs, files) + 1);
            return null;
        });
        long perFile = blocks / files;
        long extra = blocks % files;
        for (int from = 0; from < files; from += filesPerTxn) {
            int first = from;
            int last = Math.min(files, from + filesPerTxn);
            meta.write(w -> {
                for (int f = first; f < last; f++) {
                    long ino = fileIno(dirs, f);
                    long count = perFile + (f < extra ? 1 : 0);
                    w.putInode(file(ino, count * BLOCK, f));
                    w.putEntry(dirIno(f / FILES_PER_DIR), "file-" + f + ".band", ino);
                    if (f % 10 == 0) {
                        w.putXattr(ino, "user.com.apple.FinderInfo", ByteBuffer.allocate(32).putLong(ino).array());
                    }
                    long firstBlock = f * perFile + Math.min(f, extra);
                    for (long i = 0; i < count; i++) {
                        ChunkId id = chunkId(ids, ino, i, 0);
                        long n = firstBlock + i;
                        PackId pack = packOf(n / CHUNKS_PER_PACK);
                        w.putBlock(ino, i, id);
                        w.putChunk(new ChunkRecord(id, pack, 8 + (n % CHUNKS_PER_PACK) * 200_000L, 200_000, BLOCK, 1));
                        if (n % CHUNKS_PER_PACK == 0) {
                            w.putPack(new PackRecord(pack, PackState.UPLOADED, 64 * 200_000L, 64 * 200_000L,
                                    "ref-" + pack.hex()));
                        }
                    }
                }
                w.addToCounter("inodes", last - first);
                return null;
            });
        }
    }

    /** Rewrites file {@code f}'s first block and times, as an application changing one file would. */
    public static void touchFile(MetaStore meta, ChunkIdHasher ids, int files, int f, int version) {
        int dirs = (files + FILES_PER_DIR - 1) / FILES_PER_DIR;
        long ino = fileIno(dirs, f);
        meta.write(w -> {
            Inode old = w.inode(ino).orElseThrow();
            w.putInode(new Inode(ino, old.kind(), old.mode(), old.uid(), old.gid(), old.nlink(), old.size(), old.rdev(),
                    old.atime(), new Timestamp(version, 0), new Timestamp(version, 0), null));
            ChunkId id = chunkId(ids, ino, 0, version);
            ChunkRecord previous = w.chunk(w.block(ino, 0).orElseThrow()).orElseThrow();
            w.putBlock(ino, 0, id);
            w.putChunk(new ChunkRecord(id, previous.pack(), previous.offset(), previous.sealedLength(), BLOCK, 1));
            return null;
        });
    }

    /** Digest of every replicated key and value, in order, and how many there were. */
    public record Fingerprint(long records, String sha256) {
    }

    public static Fingerprint fingerprint(MetaStore meta) throws Exception {
        MessageDigest digest = sha256();
        long[] count = {0};
        meta.capture(view -> {
            view.everything(r -> {
                digest.update(ByteBuffer.allocate(4).putInt(r.key().length).array());
                digest.update(r.key());
                digest.update(r.value());
                count[0]++;
            });
            return null;
        });
        return new Fingerprint(count[0], java.util.HexFormat.of().formatHex(digest.digest()));
    }

    private static MessageDigest sha256() throws NoSuchAlgorithmException {
        return MessageDigest.getInstance("SHA-256");
    }

    private static long dirIno(int d) {
        return 2 + d;
    }

    private static long fileIno(int dirs, int f) {
        return 2 + dirs + (long) f;
    }

    private static ChunkId chunkId(ChunkIdHasher ids, long ino, long index, int version) {
        return ids.idOf(ByteBuffer.allocate(20).putLong(ino).putLong(index).putInt(version).array());
    }

    private static PackId packOf(long n) {
        return PackId.of(ByteBuffer.allocate(PackId.LENGTH).putLong(0x7467_6366_7300_0000L).putLong(n).array());
    }

    private static Inode dir(long ino, int nlink) {
        return new Inode(ino, FileKind.DIRECTORY, 0755, 0, 0, nlink, 0, 0, Timestamp.EPOCH, Timestamp.EPOCH, Timestamp.EPOCH, null);
    }

    private static Inode file(long ino, long size, int f) {
        Timestamp t = new Timestamp(1_700_000_000L + f, 0);
        return new Inode(ino, FileKind.REGULAR, 0644, 501, 20, 1, size, 0, t, t, t, null);
    }
}
