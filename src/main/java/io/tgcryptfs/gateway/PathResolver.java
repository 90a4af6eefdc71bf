package io.tgcryptfs.gateway;

import io.tgcryptfs.engine.HiddenFiles;
import io.tgcryptfs.engine.Lookup;
import io.tgcryptfs.engine.Namespace;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.fs.Inode;
import io.tgcryptfs.meta.MetaReader;
import io.tgcryptfs.meta.MetaStore;

import java.util.function.BiFunction;

/**
 * Turns the paths libfuse hands us into inode numbers: the path's directory from the
 * {@link DirectoryCache}, else walked name by name and remembered, then its last name there (or among
 * the names libfuse hid open files under, {@link HiddenFiles}).
 */
final class PathResolver {
    private final MetaStore meta;
    private final HiddenFiles hidden;
    private final DirectoryCache directories = new DirectoryCache();

    PathResolver(MetaStore meta, HiddenFiles hidden) {
        this.meta = meta;
        this.hidden = hidden;
    }

    /**
     * {@code fn} of the inode {@code path} names, in one read snapshot. The cache's generation is read
     * before the snapshot begins, so a walk over a snapshot older than a directory's rename is never
     * remembered after it.
     */
    <T> T read(String path, BiFunction<MetaReader, Long, T> fn) {
        long generation = directories.generation();
        return meta.read(r -> fn.apply(r, resolve(r, path, generation)));
    }

    /**
     * The inode at {@code path}, found in the write transaction that uses it (which sees every rename
     * committed before it began, so the generation may be read inside).
     */
    Lookup lookup(String path) {
        return r -> resolve(r, path, directories.generation());
    }

    /** As {@link #lookup}, for a directory. */
    Lookup directory(String path) {
        return r -> {
            long ino = resolve(r, path, directories.generation());
            Inode inode = r.inode(ino).orElseThrow(() -> new FsException(FsError.NOT_FOUND, "inode " + ino + " is gone"));
            if (!inode.isDirectory()) {
                throw new FsException(FsError.NOT_DIRECTORY, path + " is not a directory");
            }
            return ino;
        };
    }

    /** A directory was renamed or removed (called after its transaction committed). */
    void directoryMoved() {
        directories.clear();
    }

    /** @param generation the cache's, read before {@code r}'s snapshot began */
    private long resolve(MetaReader r, String path, long generation) {
        long known = directories.find(path);
        if (known >= 0) {
            return known;
        }
        int slash = path.lastIndexOf('/');
        String name = path.substring(slash + 1);
        if (slash < 0 || name.isEmpty() || name.equals(".")) {
            return walk(r, path); // the root, or a path the kernel does not send ("/a/", "/a/.")
        }
        String parentPath = slash == 0 ? "/" : path.substring(0, slash);
        long parent = slash == 0 ? Namespace.ROOT : directories.find(parentPath);
        boolean walked = parent < 0;
        if (walked) {
            parent = walk(r, parentPath);
        }
        long dir = parent;
        long ino = hidden.find(dir, name).orElseGet(() -> r.lookup(dir, PathNames.checked(name)).orElseThrow(() -> notFound(path)));
        if (walked) {
            directories.remember(parentPath, parent, generation); // it holds a name: a directory
        }
        return ino;
    }

    private static long walk(MetaReader r, String path) {
        long current = Namespace.ROOT;
        for (String name : PathNames.components(path)) {
            if (name.equals(".")) {
                continue;
            }
            final long dir = current;
            current = r.lookup(dir, name).orElseThrow(() -> notFound(path));
        }
        return current;
    }

    private static FsException notFound(String path) {
        return new FsException(FsError.NOT_FOUND, "no such file: " + path);
    }
}
