package io.tgcryptfs.engine;

import io.tgcryptfs.fs.DirEntry;
import io.tgcryptfs.meta.MetaReader;

import java.util.regex.Pattern;

/**
 * The names libfuse 2 gives files unlinked while open (".fuse_hidden" + 16 hex digits). They live in
 * {@link HiddenFiles} now; earlier versions kept them as entries in the metadata, and such an entry
 * (left by a crash while its file was open) counts as hidden only while its inode has no links left, so
 * a user's own file of that name is a normal file.
 */
public final class HiddenNames {
    private static final Pattern PATTERN = Pattern.compile("\\.fuse_hidden[0-9a-f]{16}");

    private HiddenNames() {
    }

    public static boolean isHidden(String name) {
        return PATTERN.matcher(name).matches();
    }

    /** An entry kept only so libfuse can reach an unlinked, still-open file by path. */
    public static boolean isHiddenEntry(MetaReader r, DirEntry entry) {
        return isHidden(entry.name()) && r.inode(entry.ino()).map(i -> i.nlink() == 0).orElse(true);
    }
}
