package io.tgcryptfs.gateway;

import io.tgcryptfs.chunk.BlockGeometry;
import io.tgcryptfs.engine.DirtyRegions;
import io.tgcryptfs.engine.OpenFiles;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.meta.BlockRef;
import io.tgcryptfs.meta.MetaStore;

import java.util.List;

/**
 * lseek's SEEK_DATA and SEEK_HOLE, so that cp, tar --sparse, qemu-img and Samba's allocated-ranges query
 * copy a sparse file by its data instead of reading its holes as zeros. Holes are the blocks the file
 * stores nothing for (never written, or sealed as zeros), so they are found at block granularity; a hole
 * may be reported as data, as POSIX allows, never the other way round.
 *
 * <p>While a handle may write the file, the kernel's writeback cache can hold writes no request has
 * brought yet, past the size known here too (it sends LSEEK without writing them back first; it does at
 * the release): no answer is safe then, and the call fails with EINVAL, what a file system without
 * SEEK_DATA answers, on which cp, tar, qemu-img and Samba read the file whole. Once the last such handle
 * is released the size here is the file's, and a file whose bands still hold unsealed bytes is all data
 * up to it.
 */
final class SparseSeek {
    /** Blocks looked at per read transaction while walking over data for a hole. */
    private static final int PAGE = 1024;

    private final MetaStore meta;
    private final BlockGeometry geometry;
    private final OpenFiles openFiles;
    private final DirtyRegions dirtyRegions;

    SparseSeek(MetaStore meta, BlockGeometry geometry, OpenFiles openFiles, DirtyRegions dirtyRegions) {
        this.meta = meta;
        this.geometry = geometry;
        this.openFiles = openFiles;
        this.dirtyRegions = dirtyRegions;
    }

    /**
     * The first offset at or after {@code offset} where data ({@code data}) or a hole begins; the end of
     * the file counts as a hole.
     *
     * @throws FsException PAST_THE_END when {@code offset} is at or past the end, or no data follows it
     */
    long seek(long ino, long offset, boolean data) {
        if (offset < 0) {
            throw new FsException(FsError.INVALID, "negative offset");
        }
        if (openFiles.hasWriters(ino)) {
            throw new FsException(FsError.INVALID, "inode " + ino + " is open for writing: its data and size are the kernel's");
        }
        Inode inode = meta.read(r -> r.inode(ino)).orElseThrow(() -> new FsException(FsError.NOT_FOUND, "no inode " + ino));
        long size = inode.size();
        if (offset >= size) {
            throw new FsException(FsError.PAST_THE_END, "offset " + offset + " is at or past the end (" + size + ")");
        }
        if (dirtyRegions.mayHoldUnsealed(ino)) {
            return data ? offset : size;
        }
        long first = offset / geometry.blockSize();
        return data ? nextData(ino, offset, first, size) : nextHole(ino, offset, first, size);
    }

    private long nextData(long ino, long offset, long first, long size) {
        List<BlockRef> next = meta.read(r -> r.firstBlocks(ino, first, 1));
        long start = next.isEmpty() ? size : geometry.blockStart(next.get(0).index());
        if (start >= size) {
            throw new FsException(FsError.PAST_THE_END, "no data at or after " + offset);
        }
        return Math.max(offset, start);
    }

    private long nextHole(long ino, long offset, long first, long size) {
        long expected = first;
        while (geometry.blockStart(expected) < size) {
            long from = expected;
            List<BlockRef> page = meta.read(r -> r.firstBlocks(ino, from, PAGE));
            for (BlockRef block : page) {
                if (block.index() != expected) {
                    break;
                }
                expected++;
            }
            if (expected - from < page.size() || page.size() < PAGE) {
                break; // a gap inside this page, or the stored blocks end here
            }
        }
        return Math.min(size, Math.max(offset, geometry.blockStart(expected)));
    }
}
