package io.tgcryptfs.timemachine;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A Samba Time Machine share of a directory of the mount, as smb.conf text: the [global] options
 * vfs_fruit needs and the share section. The same text as ops/samba/timemachine-share.conf (a test
 * keeps the two equal); the reasons for each line are written there.
 *
 * @param user     the one Samba user allowed in, or empty for any authenticated user
 * @param maxBytes what Time Machine may fill before it thins old backups
 */
public record SambaShare(String name, Path path, Optional<String> user, long maxBytes) {

    public SambaShare {
        if (name.isEmpty() || name.length() > 80 || !name.matches("[^\\[\\]\\\\/:;|=,+*?<>\"%\\p{Cntrl}]+")
                || !name.strip().equals(name)) {
            throw new IllegalArgumentException("invalid share name '" + name
                    + "' (up to 80 characters, none of []\\/:;|=,+*?<>\"%, no leading or trailing space)");
        }
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException("the share's path must be absolute: " + path);
        }
        if (path.toString().contains("\n") || user.map(u -> !u.matches("[A-Za-z0-9._@-][A-Za-z0-9._@ -]*")).orElse(false)) {
            throw new IllegalArgumentException("invalid path or user for smb.conf");
        }
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("max size must be positive");
        }
    }

    /**
     * The [global] lines. Samba merges a repeated [global] section, so this file can be included as it is;
     * but a share takes {@code vfs objects} from [global] as it stood when the share was defined, so the
     * include goes first in smb.conf, or shares above it would lack fruit (mixing is undefined on macOS).
     */
    public static String globalSection() {
        return """
                [global]
                   vfs objects = catia fruit streams_xattr
                   fruit:metadata = stream
                   fruit:model = MacSamba
                   fruit:posix_rename = yes
                   fruit:veto_appledouble = no
                   fruit:wipe_intentionally_left_blank_rfork = yes
                   fruit:delete_empty_adfiles = yes
                   fruit:copyfile = yes
                   multicast dns register = no
                """;
    }

    public String shareSection() {
        StringBuilder s = new StringBuilder();
        s.append('[').append(name).append("]\n");
        s.append("   path = ").append(path).append('\n');
        user.ifPresent(u -> s.append("   valid users = ").append(u).append('\n'));
        s.append("   read only = no\n");
        s.append("   fruit:time machine = yes\n");
        s.append("   fruit:time machine max size = ").append(sambaSize(maxBytes)).append('\n');
        return s.toString();
    }

    /** Both sections with a header saying how to use them. */
    public String configuration() {
        return "# Samba Time Machine share of a tgcryptfs mount, written by `tgcryptfs timemachine share`.\n"
                + "# Use: `include = <this file>` as the FIRST line of /etc/samba/smb.conf (shares defined after\n"
                + "# it get vfs_fruit too, which Macs need), then `testparm -s` and `systemctl restart smbd`.\n"
                + "# docs/timemachine.md explains every line.\n\n"
                + globalSection() + "\n" + shareSection();
    }

    /** In the units smb.conf reads (K, M, G, T), exact. */
    static String sambaSize(long bytes) {
        String[] units = {"T", "G", "M", "K"};
        for (int i = 0; i < units.length; i++) {
            long unit = 1L << (10 * (4 - i));
            if (bytes % unit == 0) {
                return bytes / unit + units[i];
            }
        }
        return Long.toString(bytes);
    }
}
