package io.tgcryptfs.volume;

import io.tgcryptfs.engine.HiddenNames;
import io.tgcryptfs.engine.Namespace;
import io.tgcryptfs.fs.DirEntry;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.meta.BlockRef;
import io.tgcryptfs.meta.ChunkRecord;
import io.tgcryptfs.meta.MetaReader;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.PackState;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * What the files under one directory (a Time Machine sparse bundle) occupy, from their block maps:
 * sealed chunk bytes, and how many of those sit in packs not yet uploaded. Blocks written but not yet
 * sealed (up to {@code dirty.expiry} old) are in neither. A chunk counts once per block that refers to
 * it, so data shared with other files counts in each.
 *
 * @param files         regular files walked
 * @param plainBytes    file data in sealed blocks (holes excluded)
 * @param storedBytes   sealed (compressed, encrypted) bytes of those blocks
 * @param pendingBytes  the part of {@code storedBytes} in packs not yet uploaded
 */
public record StoredUsage(long files, long plainBytes, long storedBytes, long pendingBytes) {
    /** Directory entries per read transaction: a long walk never pins one old LMDB snapshot. */
    private static final int ENTRIES_PER_READ = 256;
    /** Block indexes per range scan, so a file's block list is never held whole. */
    private static final long BLOCKS_PER_SCAN = 4096;

    /**
     * Walks {@code names} (a path from the volume's root) depth first, a page of entries per read
     * transaction. Memory stays small for a 1 TB bundle: a stack of directories and the set of packs
     * already seen uploaded (an uploaded pack never goes back, so the set spares most pack lookups).
     */
    static StoredUsage of(MetaStore meta, List<String> names, int blockSize) {
        long top = meta.read(r -> resolve(r, names));
        Tally tally = new Tally(blockSize);
        Deque<Long> directories = new ArrayDeque<>();
        Inode first = meta.read(r -> r.inode(top)).orElseThrow(() -> new FsException(FsError.NOT_FOUND, String.join("/", names)));
        if (first.isDirectory()) {
            directories.push(top);
        } else if (first.isRegular()) {
            meta.read(r -> tally.file(r, first));
        }
        while (!directories.isEmpty()) {
            long dir = directories.pop();
            String after = null;
            while (true) {
                String from = after;
                List<DirEntry> page = meta.read(r -> {
                    List<DirEntry> entries = r.entries(dir, from, ENTRIES_PER_READ);
                    for (DirEntry e : entries) {
                        // a directory keeps its parent as "..": following it would walk up and around forever
                        if (e.name().equals(Namespace.PARENT) || HiddenNames.isHiddenEntry(r, e)) {
                            continue;
                        }
                        Optional<Inode> inode = r.inode(e.ino());
                        if (inode.isPresent() && inode.get().isDirectory()) {
                            directories.push(e.ino());
                        } else if (inode.isPresent() && inode.get().isRegular()) {
                            tally.file(r, inode.get());
                        }
                    }
                    return entries;
                });
                if (page.size() < ENTRIES_PER_READ) {
                    break;
                }
                after = page.get(page.size() - 1).name();
            }
        }
        return new StoredUsage(tally.files, tally.plain, tally.stored, tally.pending);
    }

    private static long resolve(MetaReader r, List<String> names) {
        long ino = Namespace.ROOT;
        for (String name : names) {
            OptionalLong next = r.lookup(ino, name);
            if (next.isEmpty()) {
                throw new FsException(FsError.NOT_FOUND, "no such file or directory: /" + String.join("/", names));
            }
            ino = next.getAsLong();
        }
        return ino;
    }

    /** Running sums of one walk. */
    private static final class Tally {
        private final int blockSize;
        private final Set<PackId> uploaded = new HashSet<>();
        long files;
        long plain;
        long stored;
        long pending;

        Tally(int blockSize) {
            this.blockSize = blockSize;
        }

        Void file(MetaReader r, Inode inode) {
            files++;
            long blocks = (inode.size() + blockSize - 1) / blockSize;
            for (long from = 0; from < blocks; from += BLOCKS_PER_SCAN) {
                for (BlockRef block : r.blocks(inode.ino(), from, Math.min(blocks, from + BLOCKS_PER_SCAN))) {
                    r.chunk(block.chunk()).ifPresent(c -> chunk(r, c));
                }
            }
            return null;
        }

        private void chunk(MetaReader r, ChunkRecord c) {
            plain += c.plainLength();
            stored += c.sealedLength();
            if (uploaded.contains(c.pack())) {
                return;
            }
            // RETIRED only happens to packs whose live chunks moved away, so a block cannot still point there
            boolean onBackend = r.pack(c.pack()).map(p -> p.state() == PackState.UPLOADED || p.state() == PackState.RETIRED)
                    .orElse(false);
            if (onBackend) {
                uploaded.add(c.pack());
            } else {
                pending += c.sealedLength();
            }
        }
    }
}
