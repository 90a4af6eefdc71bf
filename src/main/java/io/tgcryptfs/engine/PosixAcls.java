package io.tgcryptfs.engine;

import io.tgcryptfs.fs.FileKind;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.meta.MetaReader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.IntBinaryOperator;

/**
 * POSIX ACLs as the kernel's {@code FUSE_POSIX_ACL} leaves them to the file system. Once the kernel
 * grants it, it checks permissions against the ACL xattrs itself, and the file system keeps the rest of
 * what ext4 does: the mode follows an access ACL that is set, the ACL follows a chmod, and a new inode
 * inherits its directory's default ACL, with the umask applied only where there is none
 * ({@code FUSE_DONT_MASK}). Until then (or when the kernel offers no ACLs) ACL xattrs are kept as any
 * other and nothing here applies.
 *
 * <p>An ACL xattr is little-endian: a version (2), then entries of a tag, permissions and an id, in the
 * kernel's order (owner, named users, owning group, named groups, mask, other).
 */
public final class PosixAcls {
    public static final String ACCESS = "system.posix_acl_access";
    public static final String DEFAULT = "system.posix_acl_default";

    static final int USER_OBJ = 0x01;
    static final int USER = 0x02;
    static final int GROUP_OBJ = 0x04;
    static final int GROUP = 0x08;
    static final int MASK = 0x10;
    static final int OTHER = 0x20;
    private static final int VERSION = 2;
    private static final int HEADER = 4;
    private static final int ENTRY = 8;
    private static final int RWX = 07;

    private volatile boolean enforced;

    /** The kernel granted FUSE_POSIX_ACL: from now on ACLs are enforced and kept in step with modes. */
    public void enforce() {
        enforced = true;
    }

    public boolean enforced() {
        return enforced;
    }

    /** One ACL entry: a tag, its rwx bits and, for named users and groups, the id. */
    record Entry(int tag, int perm, int id) {
        Entry withPerm(int newPerm) {
            return new Entry(tag, newPerm, id);
        }
    }

    static List<Entry> parse(byte[] xattr) {
        if (xattr.length < HEADER || (xattr.length - HEADER) % ENTRY != 0) {
            throw new FsException(FsError.INVALID, "not a POSIX ACL: " + xattr.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(xattr).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != VERSION) {
            throw new FsException(FsError.INVALID, "not a version 2 POSIX ACL");
        }
        List<Entry> entries = new ArrayList<>();
        while (b.hasRemaining()) {
            int tag = Short.toUnsignedInt(b.getShort());
            int perm = Short.toUnsignedInt(b.getShort());
            int id = b.getInt();
            entries.add(new Entry(tag, perm & RWX, id));
        }
        for (int required : new int[] {USER_OBJ, GROUP_OBJ, OTHER}) {
            if (entries.stream().noneMatch(e -> e.tag() == required)) {
                throw new FsException(FsError.INVALID, "a POSIX ACL without its owner, group or other entry");
            }
        }
        return entries;
    }

    static byte[] format(List<Entry> entries) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + ENTRY * entries.size()).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(VERSION);
        for (Entry e : entries) {
            b.putShort((short) e.tag()).putShort((short) e.perm()).putInt(e.id());
        }
        return b.array();
    }

    /**
     * What setting access ACL {@code xattr} makes of permission bits {@code mode} (the other bits kept):
     * owner from the owner entry, group from the mask (the owning group's entry without one), other from
     * other; and whether the ACL says more than those bits, so that it must be stored.
     */
    record ModeOf(int mode, boolean extended) {
    }

    static ModeOf modeOf(byte[] xattr, int mode) {
        int owner = 0;
        int group = 0;
        int other = 0;
        int mask = -1;
        boolean extended = false;
        for (Entry e : parse(xattr)) {
            switch (e.tag()) {
                case USER_OBJ -> owner = e.perm();
                case GROUP_OBJ -> group = e.perm();
                case OTHER -> other = e.perm();
                case MASK -> {
                    mask = e.perm();
                    extended = true;
                }
                case USER, GROUP -> extended = true;
                default -> throw new FsException(FsError.INVALID, "unknown POSIX ACL entry tag " + e.tag());
            }
        }
        int groupBits = mask >= 0 ? mask : group;
        return new ModeOf((mode & ~0777) | owner << 6 | groupBits << 3 | other, extended);
    }

    /** The access ACL after a chmod to {@code mode}: owner, mask (or owning group) and other follow it. */
    static byte[] chmod(byte[] xattr, int mode) {
        return format(classes(parse(xattr), mode, (perm, bits) -> bits));
    }

    /**
     * The entries with the owner, the mask (the owning group's entry without one) and other each set to
     * {@code op} of its permissions and the bits {@code mode} has for it; the named entries as they are.
     */
    private static List<Entry> classes(List<Entry> entries, int mode, IntBinaryOperator op) {
        boolean masked = entries.stream().anyMatch(e -> e.tag() == MASK);
        List<Entry> out = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            out.add(switch (e.tag()) {
                case USER_OBJ -> e.withPerm(op.applyAsInt(e.perm(), mode >> 6 & RWX));
                case MASK -> e.withPerm(op.applyAsInt(e.perm(), mode >> 3 & RWX));
                case GROUP_OBJ -> masked ? e : e.withPerm(op.applyAsInt(e.perm(), mode >> 3 & RWX));
                case OTHER -> e.withPerm(op.applyAsInt(e.perm(), mode & RWX));
                default -> e;
            });
        }
        return out;
    }

    /** What a new inode gets: its permission bits, and the ACL xattrs to store with it. */
    public record NewNode(int mode, Map<String, byte[]> xattrs) {
    }

    /**
     * What a new inode of {@code kind} asked for with permission bits {@code mode} gets in directory
     * {@code parent}: under the directory's default ACL (when ACLs are enforced) that ACL cut to the mode,
     * and a directory the default ACL too; otherwise the mode less {@code umask}. A symlink gets neither.
     */
    public NewNode forNewNode(MetaReader r, long parent, FileKind kind, int mode, int umask) {
        Optional<byte[]> inheritable = enforced && kind != FileKind.SYMLINK
                ? r.xattr(parent, DEFAULT) : Optional.empty();
        if (inheritable.isEmpty()) {
            return new NewNode(mode & ~(umask & 0777), Map.of());
        }
        Inherited inherited = inherit(inheritable.get(), mode);
        Map<String, byte[]> xattrs = new TreeMap<>();
        if (inherited.access() != null) {
            xattrs.put(ACCESS, inherited.access());
        }
        if (kind == FileKind.DIRECTORY) {
            xattrs.put(DEFAULT, inheritable.get());
        }
        return new NewNode(inherited.mode(), xattrs);
    }

    /** A new inode under a directory's default ACL: its permission bits, and the access ACL to store (null: none). */
    record Inherited(int mode, byte[] access) {
    }

    /**
     * What a new inode created with permission bits {@code mode} gets from its directory's default ACL:
     * each of owner, mask (or owning group) and other is cut to what both the ACL and the mode allow,
     * and the result is stored as its access ACL if it names anyone. No umask applies.
     */
    static Inherited inherit(byte[] defaultAcl, int mode) {
        List<Entry> entries = parse(defaultAcl);
        boolean extended = entries.stream().anyMatch(e -> e.tag() == USER || e.tag() == GROUP || e.tag() == MASK);
        byte[] access = format(classes(entries, mode, (perm, bits) -> perm & bits));
        return new Inherited((mode & ~0777) | modeOf(access, 0).mode(), extended ? access : null);
    }
}
