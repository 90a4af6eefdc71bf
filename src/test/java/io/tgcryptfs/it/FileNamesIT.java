package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A name is its bytes, whatever they are and whatever the locale: the mount runs under {@code LC_ALL=C},
 * as a service or a cron job may. Names that were not UTF-8 came out replaced (two became one, and the
 * second create overwrote the first), and under a C locale every non-ASCII name did.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FileNamesIT {
    @RegisterExtension
    static final MountFixture fs = new MountFixture().withEnvironment("LC_ALL", "C").withEnvironment("LANG", "C");

    private static final String SCRIPT = """
            d = args[0].encode()
            names = [b"caf\\xe9", b"caf\\xe8", b"\\xff\\xfe", "\\u00fcn\\u00ef".encode(), "\\u00e9t\\u00e9".encode(),
                     "\\u00ebt\\u00e9".encode(), b"a\\x01b", b"\\xed\\xa0\\x80", "\\u65e5\\u672c".encode()]
            if args[1] == "create":
                os.mkdir(os.path.join(d, b"dir\\xe9"))
                for n in names:
                    p = os.path.join(d, b"dir\\xe9", n)
                    with open(p, "wb") as f:
                        f.write(n)
                    os.setxattr(p, b"user.\\xe9" + n[:3], n)
                os.symlink(b"target\\xe9\\xff", os.path.join(d, b"dir\\xe9", b"link\\xe8"))
                os.link(os.path.join(d, b"dir\\xe9", b"caf\\xe9"), os.path.join(d, b"dir\\xe9", b"hard\\xe9"))
            sub = os.path.join(d, b"dir\\xe9")
            listed = sorted(os.listdir(sub))
            ok = listed == sorted(names + [b"link\\xe8", b"hard\\xe9"])
            ok = ok and all(open(os.path.join(sub, n), "rb").read() == n for n in names)
            ok = ok and all(os.getxattr(os.path.join(sub, n), b"user.\\xe9" + n[:3]) == n for n in names)
            ok = ok and os.readlink(os.path.join(sub, b"link\\xe8")) == b"target\\xe9\\xff"
            ok = ok and os.stat(os.path.join(sub, b"hard\\xe9")).st_nlink == 2
            print(ok, len(listed))
            """;

    @Test
    void namesOfAnyBytes_underACLocale_stayThemselves_acrossARemountAndARestore() {
        Path dir = fs.newDir("names");
        assertEquals("True 11", fs.python(SCRIPT, dir.toString(), "create").assertOk().out().strip(),
                "names, contents, xattr names, a symlink target and a hard link, as written");
        fs.restart();
        assertEquals("True 11", fs.python(SCRIPT, dir.toString(), "check").assertOk().out().strip(), "after a remount");
        fs.stop();
        fs.wipeAllButTheBackend();
        fs.cli("restore").assertOk();
        fs.start();
        assertEquals("True 11", fs.python(SCRIPT, dir.toString(), "check").assertOk().out().strip(),
                "after a restore on a new machine");
    }
}
