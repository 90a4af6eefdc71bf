"""Seeded random system calls on two trees at once: an oracle (a plain directory) and the mount.

Usage: syscall_oracle.py SEED STEPS ORACLE MOUNT

Every call runs on both trees with the same arguments and must end the same way (its result, or the
errno's name); every few steps the trees are compared whole (kind, mode with set-id bits, owner, link
count, size, content, user xattrs, symlink targets). Covers what the Java OracleOps cannot reach: calls
on file descriptors (fsetxattr and the like, fchmod, fchown, fallocate, O_APPEND, lseek, ftruncate),
renameat2's flags, utimensat with exact times and UTIME_OMIT, chown dropping set-id bits, fifos,
copy_file_range, and descriptors of directories removed while open. Prints the history and exits 1 at the first difference.
"""
import ctypes
import ctypes.util
import errno
import fcntl
import hashlib
import os
import random
import stat
import sys

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
AT_FDCWD = -100
RENAME_NOREPLACE, RENAME_EXCHANGE = 1, 2
FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, FALLOC_FL_ZERO_RANGE = 1, 2, 0x10
UTIME_OMIT = (1 << 30) - 2
BLOCK = 256 << 10
# Where tgcryptfs differs from ext4 (docs/architecture.md, "Where behaviour differs from ext4"):
# RENAME_EXCHANGE answers EINVAL (libfuse 2 has no rename2; RENAME_NOREPLACE is served around it), and
# a fifo whose last name went while it was open has no attributes or xattrs left for calls on its
# descriptor (its opens never reach FUSE).
RENAME_FLAGS = [RENAME_NOREPLACE]
ORPHAN_FIFO_CALLS = False
MAX_FILE = 3 << 20

# names are bytes: an accented one, and Latin-1 ones that are not UTF-8 (b"\xe9", b"\xe8" as surrogate escapes)
NAMES = ["f", "g", "h", "d/f", "d/g", "d/e/f", "d", "e", "d/e", "l", "\u00e9t\u00e9", "d/caf\udce9", "d/caf\udce8"]
XATTRS = ["user.a", "user.b", "user.com.apple.ResourceFork"]
MODES = [0o644, 0o600, 0o755, 0o4755, 0o2755, 0o6711, 0o1777, 0o000]


class Skip(Exception):
    """No descriptor this call may use."""


class Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


def check(rc):
    if rc < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return rc


class Oracle:
    def __init__(self, seed, roots):
        self.rnd = random.Random(seed)
        self.roots = roots
        self.fds = []  # [fd on the oracle, fd on the mount, what was opened]
        self.history = []
        self.step = 0
        self.fd_ino = None  # the oracle's inode of the descriptor the next call uses, for the history

    # ------------------------------------------------------------------ running one call on both trees

    def both(self, text, call):
        """Runs call(root, side) on each tree; both must end alike."""
        if self.fd_ino is not None:
            text += " [ino %d]" % self.fd_ino
            self.fd_ino = None
        self.history.append("%d: %s" % (self.step, text))
        outcomes = []
        for side, root in enumerate(self.roots):
            try:
                outcomes.append("ok " + str(call(root, side)))
            except OSError as e:
                outcomes.append("error " + errno.errorcode.get(e.errno, str(e.errno)))
        if outcomes[0] != outcomes[1]:
            self.fail("%s\n  oracle: %s\n  mount:  %s" % (text, outcomes[0], outcomes[1]))
        self.history[-1] += " -> " + outcomes[0][:40]
        return outcomes[0]

    def fail(self, what):
        print("step %d: %s" % (self.step, what))
        for i, f in enumerate(self.fds):
            try:
                st = os.fstat(f[0])
                print("  fd%d: opened as %s; on the oracle now mode %o, nlink %d" % (i, f[2], st.st_mode, st.st_nlink))
            except (OSError, TypeError):
                print("  fd%d: opened as %s" % (i, f[2]))
        shown = int(os.environ.get("ORACLE_HISTORY", "60"))
        print("calls (the last %d of %d):\n  %s" % (min(shown, len(self.history)), len(self.history), "\n  ".join(self.history[-shown:])))
        sys.exit(1)

    # ------------------------------------------------------------------ choosing

    def name(self):
        """A name; the oracle's inode under it, if any, goes into the history with the next call."""
        p = self.rnd.choice(NAMES)
        try:
            self.fd_ino = os.lstat(os.path.join(self.roots[0], p)).st_ino
        except OSError:
            pass
        return p

    def data(self):
        n = self.rnd.choice([1, 100, 4096, 5000, BLOCK, 70000, 300000])
        kind = self.rnd.randrange(3)
        if kind == 0:
            return self.rnd.randbytes(n)
        if kind == 1:
            return bytes(n)
        return (b"step %d " % self.step) * (n // 8 + 1)

    def offset(self):
        return self.rnd.choice([0, 1, 4095, 4096, BLOCK - 1, BLOCK, 3 * BLOCK + 17, self.rnd.randrange(MAX_FILE)])

    # ------------------------------------------------------------------ the calls

    def next(self):
        try:
            self.call()
        except Skip:
            pass

    def call(self):
        dice = self.rnd.randrange(100)
        fd_ops = [self.pwrite, self.append, self.pread, self.lseek, self.ftruncate, self.fallocate, self.fxattr,
                  self.fchmod, self.fchown, self.fsync, self.copy_range, self.close, self.seek_data_hole]
        if dice < 15 or not self.fds:
            self.open()
        elif dice < 55:
            self.rnd.choice(fd_ops)()
        elif dice < 62:
            self.rename()
        elif dice < 67:
            self.link_or_symlink()
        elif dice < 73:
            self.remove()
        elif dice < 77:
            self.mkdir_or_fifo()
        elif dice < 83:
            self.utimens()
        elif dice < 88:
            self.chmod_or_chown()
        elif dice < 93:
            self.path_xattr()
        elif dice < 96:
            self.truncate()
        else:
            self.listdir()

    def open(self):
        p = self.name()
        flags = self.rnd.choice([os.O_RDWR, os.O_RDWR | os.O_CREAT, os.O_RDWR | os.O_CREAT | os.O_EXCL,
                                 os.O_RDWR | os.O_TRUNC, os.O_WRONLY | os.O_APPEND | os.O_CREAT, os.O_RDONLY,
                                 os.O_RDONLY | os.O_DIRECTORY, os.O_RDWR | os.O_NOFOLLOW])
        mode = self.rnd.choice(MODES)
        opened = [None, None]

        def call(root, side):
            # O_NONBLOCK: a fifo opened for reading alone would wait for a writer forever
            opened[side] = os.open(os.path.join(root, p), flags | os.O_NONBLOCK, mode)
            return "fd"
        self.both("open %s flags %o mode %o as fd%d" % (p, flags, mode, len(self.fds)), call)
        if opened[0] is not None or opened[1] is not None:
            self.fds.append([opened[0], opened[1], p])

    def fd(self, closing=False):
        i = self.rnd.randrange(len(self.fds))
        if not ORPHAN_FIFO_CALLS and not closing:
            alive = [k for k, f in enumerate(self.fds) if not orphan_fifo(os.fstat(f[0]))]
            if not alive:
                raise Skip()
            i = alive[i % len(alive)]
        if self.fds[i][0] is not None:
            self.fd_ino = os.fstat(self.fds[i][0]).st_ino
        return i, self.fds[i]

    def pwrite(self):
        i, f = self.fd()
        data, at = self.data(), self.offset()
        self.both("pwrite fd%d @%d %d bytes" % (i, at, len(data)), lambda root, side: os.pwrite(f[side], data, at))

    def append(self):
        i, f = self.fd()
        data = self.data()
        self.both("write fd%d %d bytes" % (i, len(data)), lambda root, side: os.write(f[side], data))

    def pread(self):
        i, f = self.fd()
        n, at = self.rnd.choice([1, 4096, 100000, 1 << 20]), self.offset()
        self.both("pread fd%d @%d %d" % (i, at, n), lambda root, side: digest(os.pread(f[side], n, at)))

    def lseek(self):
        i, f = self.fd()
        if stat.S_ISDIR(os.fstat(f[0]).st_mode):
            return  # a directory's offsets are each file system's own cookies
        at, whence = self.offset(), self.rnd.choice([os.SEEK_SET, os.SEEK_END, os.SEEK_CUR])
        self.both("lseek fd%d %d whence %d" % (i, at, whence), lambda root, side: os.lseek(f[side], at, whence))

    def seek_data_hole(self):
        """SEEK_DATA / SEEK_HOLE: the offsets differ (ext4's holes are 4 KiB, the mount's whole blocks, and
        the mount declines with EINVAL while a handle may write the file, on which callers read it whole),
        so each side checks what it answered: no byte it skips as a hole may be other than zero."""
        i, f = self.fd()
        if stat.S_ISDIR(os.fstat(f[0]).st_mode):
            return
        at, data = self.offset(), self.rnd.random() < 0.5

        def zeros(fd, start, end):
            if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
                return True  # nothing to read it with; the contents are compared on their own
            return os.pread(fd, end - start, start) == bytes(end - start)

        def probe(root, side):
            fd = f[side]
            position = os.lseek(fd, 0, os.SEEK_CUR)  # what it finds moves it, and the sides find differently
            try:
                return check_seek(fd, side)
            finally:
                os.lseek(fd, position, os.SEEK_SET)

        def check_seek(fd, side):
            size = os.fstat(fd).st_size
            try:
                found = os.lseek(fd, at, os.SEEK_DATA if data else os.SEEK_HOLE)
            except OSError as e:
                if e.errno == errno.EINVAL and side == 1:
                    return "past the end" if at >= size else "ok"  # declined: nothing skipped
                if e.errno != errno.ENXIO:
                    raise
                if at >= size:
                    return "past the end"
                return "ok" if data and zeros(fd, at, size) else "ENXIO inside the file at %d" % at
            if data:
                return "ok" if at <= found < size and zeros(fd, at, found) else "data skipped: %d -> %d" % (at, found)
            return "ok" if at <= found <= size and zeros(fd, found, min(size, found + 1)) else "not a hole: %d" % found

        self.both("lseek fd%d %d %s" % (i, at, "SEEK_DATA" if data else "SEEK_HOLE"), probe)

    def ftruncate(self):
        i, f = self.fd()
        to = self.offset()
        self.both("ftruncate fd%d %d" % (i, to), lambda root, side: os.ftruncate(f[side], to))

    def fallocate(self):
        i, f = self.fd()
        mode = self.rnd.choice([0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, FALLOC_FL_ZERO_RANGE,
                                FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE])
        at, n = self.offset(), self.rnd.choice([1, 4096, BLOCK, 1 << 20, 3 * BLOCK + 5])
        self.both("fallocate fd%d mode %d @%d %d" % (i, mode, at, n),
                  lambda root, side: check(libc.fallocate(f[side], mode, ctypes.c_long(at), ctypes.c_long(n))))

    def fxattr(self):
        i, f = self.fd()
        name = self.rnd.choice(XATTRS)
        what = self.rnd.randrange(5)
        if what == 0:
            self.both("fgetxattr fd%d %s" % (i, name), lambda root, side: digest(os.getxattr(f[side], name)))
        elif what == 1:
            self.both("flistxattr fd%d" % i, lambda root, side: sorted(n for n in os.listxattr(f[side]) if n.startswith("user.")))
        elif what == 2:
            self.both("fremovexattr fd%d %s" % (i, name), lambda root, side: os.removexattr(f[side], name))
        else:
            value = self.rnd.randbytes(self.rnd.choice([0, 10, 900]))  # ext4 keeps a file's xattrs in one 4 KiB block
            flags = self.rnd.choice([0, os.XATTR_CREATE, os.XATTR_REPLACE])
            self.both("fsetxattr fd%d %s %s flags %d" % (i, name, digest(value), flags),
                      lambda root, side: os.setxattr(f[side], name, value, flags))

    def fchmod(self):
        i, f = self.fd()
        mode = self.rnd.choice(MODES)
        self.both("fchmod fd%d %o" % (i, mode), lambda root, side: (os.fchmod(f[side], mode), mode_of(os.fstat(f[side])))[1])

    def fchown(self):
        i, f = self.fd()
        uid, gid = self.rnd.choice([0, 1000, -1]), self.rnd.choice([0, 1000, -1])
        self.both("fchown fd%d %d %d" % (i, uid, gid),
                  lambda root, side: (os.fchown(f[side], uid, gid), owner_and_mode(os.fstat(f[side])))[1])

    def fsync(self):
        i, f = self.fd()
        self.both("fsync fd%d" % i, lambda root, side: os.fsync(f[side]))

    def copy_range(self):
        i, f = self.fd()
        j, g = self.fd()
        n, src, dst = self.rnd.choice([1, 5000, BLOCK, 700000]), self.offset(), self.offset()
        if i == j and abs(src - dst) < n:
            return  # an overlapping range in one file is EINVAL on both, and uninteresting
        self.both("copy_file_range fd%d @%d -> fd%d @%d %d" % (i, src, j, dst, n),
                  lambda root, side: copy_all(f[side], g[side], n, src, dst))

    def close(self):
        i, f = self.fd(closing=True)
        self.both("close fd%d" % i, lambda root, side: os.close(f[side]))
        del self.fds[i]

    def rename(self):
        a, b = self.name(), self.name()
        flags = self.rnd.choice([0, 0, RENAME_NOREPLACE, RENAME_EXCHANGE])
        if flags and flags not in RENAME_FLAGS:
            flags = 0
        self.both("renameat2 %s %s flags %d" % (a, b, flags), lambda root, side: check(libc.renameat2(
            AT_FDCWD, os.fsencode(os.path.join(root, a)), AT_FDCWD, os.fsencode(os.path.join(root, b)), flags)))

    def link_or_symlink(self):
        a, b = self.name(), self.name()
        if self.rnd.randrange(2):
            self.both("link %s %s" % (a, b), lambda root, side: os.link(os.path.join(root, a), os.path.join(root, b), follow_symlinks=False))
        else:
            # relative targets without "..": a link must never lead out of its tree (or to another run's files)
            target = self.rnd.choice(["f", "d/f", "e", "nowhere", "/nonexistent-tgcryptfs-oracle/x"])
            self.both("symlink %s -> %s" % (b, target), lambda root, side: os.symlink(target, os.path.join(root, b)))

    def remove(self):
        p = self.name()
        if self.rnd.randrange(3):
            self.both("unlink %s" % p, lambda root, side: os.unlink(os.path.join(root, p)))
        else:
            self.both("rmdir %s" % p, lambda root, side: os.rmdir(os.path.join(root, p)))

    def mkdir_or_fifo(self):
        p = self.name()
        mode = self.rnd.choice(MODES)
        if self.rnd.randrange(3):
            self.both("mkdir %s %o" % (p, mode), lambda root, side: os.mkdir(os.path.join(root, p), mode))
        else:
            self.both("mkfifo %s %o" % (p, mode), lambda root, side: os.mkfifo(os.path.join(root, p), mode))

    def utimens(self):
        p = self.name()
        atime = self.rnd.choice([(1_000_000_000, 123_456_789), (0, 0), (4_102_444_800, 999_999_999), (0, UTIME_OMIT)])
        mtime = self.rnd.choice([(1_500_000_000, 1), (2_000_000_000, 500), (0, UTIME_OMIT)])
        follow = self.rnd.randrange(2)
        times = (Timespec * 2)(Timespec(*atime), Timespec(*mtime))

        def call(root, side):
            path = os.path.join(root, p)
            check(libc.utimensat(AT_FDCWD, os.fsencode(path), times, 0 if follow else 0x100))  # AT_SYMLINK_NOFOLLOW
            st = os.stat(path, follow_symlinks=bool(follow))
            shown = []
            for t, ns in ((atime, st.st_atime_ns), (mtime, st.st_mtime_ns)):
                if t[1] != UTIME_OMIT:
                    shown.append(ns)
            return shown
        self.both("utimensat %s atime %s mtime %s follow %d" % (p, atime, mtime, follow), call)

    def chmod_or_chown(self):
        p = self.name()
        if self.rnd.randrange(2):
            mode = self.rnd.choice(MODES)
            self.both("chmod %s %o" % (p, mode), lambda root, side: os.chmod(os.path.join(root, p), mode))
        else:
            uid, gid = self.rnd.choice([0, 1000, -1]), self.rnd.choice([0, 1000, -1])
            self.both("lchown %s %d %d" % (p, uid, gid), lambda root, side: os.lchown(os.path.join(root, p), uid, gid))

    def path_xattr(self):
        p, name = self.name(), self.rnd.choice(XATTRS)
        value = self.rnd.randbytes(self.rnd.choice([1, 200]))
        self.both("lsetxattr %s %s %d bytes" % (p, name, len(value)),
                  lambda root, side: os.setxattr(os.path.join(root, p), name, value, follow_symlinks=False))

    def truncate(self):
        p, to = self.name(), self.offset()
        self.both("truncate %s %d" % (p, to), lambda root, side: os.truncate(os.path.join(root, p), to))

    def listdir(self):
        p = self.rnd.choice(["", "d", "d/e", "f"])
        self.both("listdir %s" % p, lambda root, side: sorted(os.listdir(os.path.join(root, p))))

    # ------------------------------------------------------------------ comparing the trees

    def compare(self, when):
        states = [tree(root) for root in self.roots]
        if states[0] != states[1]:
            lines = []
            for p in sorted(set(states[0]) | set(states[1])):
                if states[0].get(p) != states[1].get(p):
                    lines.append("  %s:\n      oracle %s\n      mount  %s" % (p, states[0].get(p), states[1].get(p)))
            self.fail("the trees differ %s:\n%s" % (when, "\n".join(lines)))

    def close_all(self):
        while self.fds:
            self.close()


def orphan_fifo(st):
    """A fifo whose last name is gone, though still open."""
    return st.st_nlink == 0 and stat.S_ISFIFO(st.st_mode)


def digest(b):
    return "%d bytes %s" % (len(b), hashlib.sha256(b).hexdigest()[:16])


def mode_of(st):
    return oct(st.st_mode)


def owner_and_mode(st):
    return (st.st_uid, st.st_gid, oct(st.st_mode))


def copy_all(src, dst, n, at, to):
    """copy_file_range until n bytes or the source's end: a short count alone is no difference."""
    done = 0
    while done < n:
        k = os.copy_file_range(src, dst, n - done, at + done, to + done)
        if k == 0:
            break
        done += k
    return done


def tree(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            entry = [oct(st.st_mode), st.st_uid, st.st_gid, st.st_nlink]
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    entry += [st.st_size, digest(f.read())]
            elif stat.S_ISLNK(st.st_mode):
                entry += [os.readlink(p)]
            if not stat.S_ISLNK(st.st_mode) and not stat.S_ISFIFO(st.st_mode):
                entry += [sorted((n, digest(os.getxattr(p, n))) for n in os.listxattr(p) if n.startswith("user."))]
            out[os.path.relpath(p, root)] = entry
    return out


def main():
    seed, steps, oracle, mount = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    run = Oracle(seed, [oracle, mount])
    for root in run.roots:
        if not os.path.exists(root):  # a second run goes on with the trees of the first
            os.makedirs(os.path.join(root, "d", "e"))
    for run.step in range(1, steps + 1):
        run.next()
        if run.step % 50 == 0:
            run.compare("at step %d" % run.step)
    run.close_all()
    run.compare("at the end")
    print("%d calls, the same on both trees" % steps)


main()
