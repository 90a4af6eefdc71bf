package io.tgcryptfs.gateway;

import io.tgcryptfs.chunk.BlockGeometry;
import io.tgcryptfs.chunk.ChunkStore;
import io.tgcryptfs.engine.DirtyRegions;
import io.tgcryptfs.engine.OpenFiles;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.meta.MetaReader;

/** What stat shows of an inode: its attributes, and the bytes its blocks take (st_blocks). */
final class FileStats {
    private final BlockGeometry geometry;
    private final DirtyRegions dirtyRegions;
    private final OpenFiles openFiles;

    FileStats(BlockGeometry geometry, DirtyRegions dirtyRegions, OpenFiles openFiles) {
        this.geometry = geometry;
        this.dirtyRegions = dirtyRegions;
        this.openFiles = openFiles;
    }

    /**
     * The stored bytes count as allocated (holes do not, as du expects), and so do the blocks the file's
     * bands hold unsealed: a sparse file being written shows the blocks written, not its size (cp and
     * rsync take a file whose blocks cover its size for a full one and fill the copy's holes). A file that
     * may hold data not stored yet never shows none: GNU tar --sparse archives a file of zero blocks as
     * all holes without reading it, and did here. While the file is open, that data may be in the
     * kernel's page cache, where the writeback cache keeps it without a word to us and serves stat from
     * attributes it was sent earlier: so an open file shows at least one byte in every reply, from its
     * CREATE on.
     */
    Stat stat(MetaReader r, long ino) {
        Inode inode = inode(r, ino);
        if (!inode.isRegular()) {
            return new Stat(inode, inode.size());
        }
        long stored = ChunkStore.storedBlocks(r, ino) * geometry.blockSize();
        // a look over the dirty bands, only for a file its stored blocks do not cover (stat is hot)
        long unsealed = stored >= inode.size() ? 0 : dirtyRegions.unsealedBlocks(ino) * geometry.blockSize();
        long allocated = Math.min(inode.size(), stored + unsealed);
        return new Stat(inode, allocated == 0 && openFiles.isOpen(ino) ? 1 : allocated);
    }

    static Inode inode(MetaReader r, long ino) {
        return r.inode(ino).orElseThrow(() -> new FsException(FsError.NOT_FOUND, "inode " + ino + " is gone"));
    }
}
