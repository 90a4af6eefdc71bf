package io.tgcryptfs.timemachine;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Who owns a sparse bundle, and modes that let them write it. The bundle is written by whoever runs
 * {@code tgcryptfs} (usually root on a server) but used by the Samba user: left as root's with modes
 * 755/644, every band write over SMB fails with ACCESS_DENIED. So the tree is handed to a user and group,
 * with group write too (0770 directories, 0660 files) for shares where several users share a group.
 */
public record BundleOwner(UserPrincipal user, GroupPrincipal group) {

    static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwxrwx---");
    static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-rw----");

    /**
     * {@code USER} or {@code USER:GROUP}, names or numeric ids. Without a group, the user's group is
     * the one of {@code reference} (the bundle's parent), which a Samba set-up normally gives the user.
     */
    public static BundleOwner parse(String spec, Path reference) throws IOException {
        FileSystem fs = reference.getFileSystem();
        UserPrincipalLookupService lookup = fs.getUserPrincipalLookupService();
        int colon = spec.indexOf(':');
        String userName = colon < 0 ? spec : spec.substring(0, colon);
        String groupName = colon < 0 ? "" : spec.substring(colon + 1);
        if (userName.isEmpty()) {
            throw new IllegalArgumentException("no user in '" + spec + "' (give USER or USER:GROUP)");
        }
        try {
            UserPrincipal user = lookup.lookupPrincipalByName(userName);
            GroupPrincipal group = groupName.isEmpty()
                    ? attributes(reference).group()
                    : lookup.lookupPrincipalByGroupName(groupName);
            return new BundleOwner(user, group);
        } catch (UserPrincipalNotFoundException e) {
            throw new IllegalArgumentException("no such user or group: " + e.getName());
        }
    }

    /** The owner and group of {@code dir}: the default, since an admin gives the share's directory to the Samba user. */
    public static BundleOwner of(Path dir) throws IOException {
        PosixFileAttributes a = attributes(dir);
        return new BundleOwner(a.owner(), a.group());
    }

    public boolean isRoot() {
        return user.getName().equals("root") || user.getName().equals("0");
    }

    /** Gives {@code root} and everything below it (no symlinks followed) to this owner, with writable modes. */
    public void applyTo(Path root) throws IOException {
        List<Path> all;
        try (Stream<Path> walk = Files.walk(root)) {
            all = walk.toList();
        }
        for (Path p : all) {
            PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            view.setOwner(user);
            view.setGroup(group);
            if (!Files.isSymbolicLink(p)) {
                view.setPermissions(Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? DIRECTORY : FILE);
            }
        }
    }

    /** This directory alone (not what is in it) to this owner, mode 0770: a share's top directory. */
    public void applyToDirectory(Path dir) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        view.setOwner(user);
        view.setGroup(group);
        view.setPermissions(DIRECTORY);
    }

    @Override
    public String toString() {
        return user.getName() + ":" + group.getName();
    }

    private static PosixFileAttributes attributes(Path p) throws IOException {
        return Files.readAttributes(p, PosixFileAttributes.class);
    }
}
