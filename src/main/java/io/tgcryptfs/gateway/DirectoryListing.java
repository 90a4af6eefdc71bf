package io.tgcryptfs.gateway;

import io.tgcryptfs.engine.HiddenNames;
import io.tgcryptfs.engine.Namespace;
import io.tgcryptfs.fs.DirEntry;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.meta.MetaReader;
import io.tgcryptfs.meta.MetaStore;

import java.util.ArrayList;
import java.util.List;

/**
 * A directory's entries, handed over a page at a time, each page read in its own view: a directory of
 * millions of names never sits in the heap at once (a listing of 300,000 held about 80 MB, and a few at
 * once came near the mount's 512 MiB). Names are read in byte order after the last one handed over, so
 * an entry present throughout is listed exactly once; one added or removed meanwhile may or may not be,
 * as POSIX allows.
 */
public final class DirectoryListing {
    /** Takes entries one by one; false stops the listing (the kernel's buffer is full). */
    public interface Sink {
        boolean accept(Listing entry);
    }

    static final int PAGE = 1024;

    private final MetaStore meta;
    private final PathResolver paths;

    DirectoryListing(MetaStore meta, PathResolver paths) {
        this.meta = meta;
        this.paths = paths;
    }

    void list(String path, Sink sink) {
        List<DirEntry> names = new ArrayList<>(PAGE);
        List<Listing> page = paths.read(path, (r, dir) -> {
            Inode self = inode(r, dir);
            if (!self.isDirectory()) {
                throw new FsException(FsError.NOT_DIRECTORY, path + " is not a directory");
            }
            long parent = r.lookup(dir, Namespace.PARENT).orElse(Namespace.ROOT);
            List<Listing> first = new ArrayList<>(List.of(new Listing(".", self), new Listing("..", inode(r, parent))));
            first.addAll(entries(r, dir, null, names)); // a directory of one page: one read view, as before paging
            return first;
        });
        long dir = page.get(0).inode().ino();
        while (true) {
            for (Listing entry : page) {
                if (!sink.accept(entry)) {
                    return;
                }
            }
            if (names.size() < PAGE) {
                return;
            }
            String after = names.get(PAGE - 1).name();
            page = meta.read(r -> entries(r, dir, after, names));
        }
    }

    /** The next page's visible entries; {@code names} receives every name read, for the cursor. */
    private static List<Listing> entries(MetaReader r, long dir, String after, List<DirEntry> names) {
        names.clear(); // a read view run again starts the page again
        names.addAll(r.entries(dir, after, PAGE));
        List<Listing> out = new ArrayList<>(names.size());
        for (DirEntry e : names) {
            if (!e.name().equals(Namespace.PARENT) && !HiddenNames.isHiddenEntry(r, e)) {
                r.inode(e.ino()).ifPresent(i -> out.add(new Listing(e.name(), i)));
            }
        }
        return out;
    }

    private static Inode inode(MetaReader r, long ino) {
        return r.inode(ino).orElseThrow(() -> new FsException(FsError.NOT_FOUND, "inode " + ino + " is gone"));
    }
}
