package io.tgcryptfs.gateway;

import io.tgcryptfs.fs.FileNames;

import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;

import java.util.ArrayList;
import java.util.List;

/** Splits the absolute paths libfuse hands us into checked name components. */
final class PathNames {
    static final int MAX_NAME_BYTES = 255;

    private PathNames() {
    }

    static List<String> components(String path) {
        List<String> names = new ArrayList<>();
        int start = 0;
        int n = path.length();
        while (start < n) {
            int slash = path.indexOf('/', start);
            int end = slash < 0 ? n : slash;
            if (end > start) {
                names.add(checked(path.substring(start, end)));
            }
            start = end + 1;
        }
        return names;
    }

    static String checked(String name) {
        if (FileNames.encode(name).length > MAX_NAME_BYTES) {
            throw new FsException(FsError.NAME_TOO_LONG, "name longer than 255 bytes");
        }
        return name;
    }

    /** The parent path and last name of {@code path}; the root has no last name. */
    static String[] split(String path) {
        int slash = path.lastIndexOf('/');
        String parent = slash <= 0 ? "/" : path.substring(0, slash);
        String name = path.substring(slash + 1);
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new FsException(FsError.INVALID, "not a name that can be created, moved or removed: '" + name + "'");
        }
        return new String[] {parent, checked(name)};
    }
}
