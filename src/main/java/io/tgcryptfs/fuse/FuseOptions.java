package io.tgcryptfs.fuse;

import io.tgcryptfs.config.Settings;

import java.util.ArrayList;
import java.util.List;

/** libfuse mount options from the settings. */
public final class FuseOptions {
    private FuseOptions() {
    }

    /**
     * @param mayAllowOther whether this process may use allow_other (root, or user_allow_other in
     *                      /etc/fuse.conf); without it libfuse refuses to mount at all
     */
    public static String[] of(Settings.Fuse fuse, boolean mayAllowOther) {
        return of(fuse, mayAllowOther, false);
    }

    /** @param readOnly a restore point mounted for browsing: the kernel refuses every change */
    public static String[] of(Settings.Fuse fuse, boolean mayAllowOther, boolean readOnly) {
        List<String> o = new ArrayList<>(List.of(
                "fsname=tgcryptfs", "subtype=tgcryptfs",
                // stable inode numbers: hard links show one inode, and tools like rsync -H rely on it
                "use_ino",
                "big_writes",
                // no hard_remove: libfuse keeps an unlinked open file reachable under a hidden name, which
                // fstat (a GETATTR without a handle) needs; the engine hides those names (HiddenNames)
                "entry_timeout=" + fuse.entryTimeout(),
                // libfuse's one timeout covers every reply, hard-linked files too; AttrValidity raises it
                // reply by reply where that is safe
                "attr_timeout=0",
                "negative_timeout=0"));
        if (fuse.allowOther() && mayAllowOther) {
            o.add("allow_other");
        }
        if (fuse.defaultPermissions()) {
            o.add("default_permissions");
        }
        if (readOnly) {
            o.add("ro");
        }
        o.addAll(fuse.extraOptions());
        return new String[] {"-o", String.join(",", o)};
    }
}
