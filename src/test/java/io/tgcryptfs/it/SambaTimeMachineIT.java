package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedSet;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Samba's own tests of what Time Machine needs, on a share of the mount made from
 * {@code timemachine share} output: Debian's smbd on loopback serves the same share configuration on a
 * directory of the mount and on a plain directory of the local disk, {@code smbtorture vfs.fruit} and
 * {@code vfs.fruit_timemachine} run against both, and the mount must pass every test the plain directory
 * passes. Then a Time Machine-like band workload over SMB (bands at offsets past 16 TiB, overwrite,
 * rename over, a 60 KiB stream) into a bundle from {@code timemachine create --owner}, checked after a
 * remount through the mount and over SMB again.
 *
 * <p>Skipped only when smbd is not installed and CI is not set; on CI it must run
 * ({@code scripts/setup-debian.sh} installs Samba).
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SambaTimeMachineIT {
    static final int BAND = 8 << 20;
    static final List<String> SUITES = List.of("vfs.fruit", "vfs.fruit_timemachine");

    @RegisterExtension
    static final MountFixture fs = new MountFixture();

    static SambaServer samba;
    static Path mountShare;
    static Path plainShare;
    static Path bandsShare;

    @BeforeAll
    static void serveTheSharesFromTimemachineShareOutput() throws IOException {
        MountFixture.assumeNotBaseline();
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        Assumptions.assumeTrue(SambaServer.smbd().isPresent() || ci,
                "smbd is not installed (scripts/setup-debian.sh installs it); on CI this test must run");
        if (SambaServer.smbd().isEmpty()) {
            fail("CI is set but smbd is missing: scripts/setup-debian.sh must install samba");
        }
        Path work = fs.workDir();
        mountShare = sambaUsersDir(fs.newDir("torture"));
        plainShare = sambaUsersDir(Files.createDirectory(work.resolve("plain")));
        Path bundles = sambaUsersDir(fs.newDir("timemachine"));
        fs.cli("timemachine", "create", "--size", "2t", "--name", "Mac", "--owner", SambaServer.USER, bundles.toString()).assertOk();
        bandsShare = bundles.resolve("Mac.sparsebundle").resolve("bands");

        // vfs.fruit_timemachine checks the size the share reports against a 32K cap
        List<Path> shares = List.of(
                share("TMmount", mountShare, "32K"),
                share("TMplain", plainShare, "32K"),
                share("TimeMachine", bundles, "1T"));
        samba = new SambaServer(Files.createDirectory(work.resolve("samba"))).start(shares);
    }

    @AfterAll
    static void stopSamba() {
        if (samba != null) {
            samba.close(); // before the fixture unmounts: smbd's children hold the shares open
        }
    }

    @Test
    void smbtorture_passesOnTheMount_everyTestItPassesOnAPlainDirectory() {
        TortureResults plain = torture("TMplain", plainShare);
        TortureResults mount = torture("TMmount", mountShare);
        System.out.println("[SambaTimeMachineIT] smbtorture " + String.join(" ", SUITES)
                + ": plain directory " + plain.summary() + ", tgcryptfs mount " + mount.summary());
        System.out.println("[SambaTimeMachineIT] plain: " + plain.outcomes());
        System.out.println("[SambaTimeMachineIT] mount: " + mount.outcomes());

        SortedSet<String> missing = new TreeSet<>(plain.passed());
        missing.removeAll(mount.passed());
        assertTrue(missing.isEmpty(), "tests the plain directory passes but the mount does not: " + missing
                + "\nplain " + plain.outcomes() + "\nmount " + mount.outcomes() + "\n" + tail(SambaServer.read(samba.log())));
        // the share itself works: a broken template (fruit:nfs_aces = no, create mask = 0600) passes 9
        assertTrue(plain.passed().size() >= 28, "the share configuration passes smbtorture: " + plain.outcomes());
        assertEquals("success", mount.outcomes().get("Timemachine-volsize"), "the share reports its Time Machine cap");
    }

    @Test
    void bandsWrittenOverSmb_readBackByteForByte_afterARemount() throws IOException {
        Random random = new Random(8);
        Path local = Files.createDirectories(fs.workDir().resolve("smbclient"));
        byte[] a = random(random, BAND);
        byte[] b = random(random, BAND);
        byte[] c = random(random, BAND);
        byte[] stream = random(random, 60 * 1024);
        Files.write(local.resolve("a"), a);
        Files.write(local.resolve("b"), b);
        Files.write(local.resolve("c"), c);
        Files.write(local.resolve("stream"), stream);

        // band 1fffff sits at 16 TiB of the image, 3ffffe at 32 TiB
        samba.smbclient("TimeMachine", String.join("; ",
                "cd Mac.sparsebundle\\bands",
                "put a 1fffff", "put b 3ffffe",
                "put c 1fffff",                           // overwrite
                "put a band.tmp", "rename band.tmp 3ffffe -f", // rename over
                "put stream 1fffff:com.apple.metadata_stream"), local);
        ToolResult info = samba.smbclient("TimeMachine", "allinfo Mac.sparsebundle\\bands\\1fffff", local);
        assertTrue(info.stdout().contains("stream: [:com.apple.metadata_stream:$DATA], 61440 bytes"), info.describe());

        samba.stop();
        fs.restart();

        assertArrayEquals(c, Files.readAllBytes(bandsShare.resolve("1fffff")), "overwritten band, through the mount");
        assertArrayEquals(a, Files.readAllBytes(bandsShare.resolve("3ffffe")), "band renamed over, through the mount");
        assertEquals(List.of("1fffff", "3ffffe"), listing(bandsShare), "no temporary file left");
        assertEquals(SambaServer.USER, Files.getOwner(bandsShare.resolve("1fffff")).getName(), "written as the Samba user");
        UserDefinedFileAttributeView xattrs = Files.getFileAttributeView(bandsShare.resolve("1fffff"), UserDefinedFileAttributeView.class);
        String name = "DosStream.com.apple.metadata_stream:$DATA";
        ByteBuffer value = ByteBuffer.allocate(xattrs.size(name));
        xattrs.read(name, value);
        assertArrayEquals(stream, Arrays.copyOf(value.array(), stream.length), "the stream, kept as an xattr by streams_xattr");

        samba.restart();
        samba.smbclient("TimeMachine", "get Mac.sparsebundle\\bands\\1fffff:com.apple.metadata_stream stream.back", local);
        assertArrayEquals(stream, Files.readAllBytes(local.resolve("stream.back")), "the stream over SMB after the remount");
    }

    /** {@code timemachine share --write}, as a user would run it; the file is what smbd includes. */
    private static Path share(String name, Path dir, String maxSize) {
        Path file = fs.workDir().resolve(name + ".conf");
        fs.cli("timemachine", "share", "--name", name, "--path", dir.toString(), "--user", SambaServer.USER,
                "--max-size", maxSize, "--write", file.toString()).assertOk();
        return file;
    }

    private static TortureResults torture(String share, Path dir) {
        List<String> cmd = new java.util.ArrayList<>(List.of("smbtorture", "//127.0.0.1/" + share,
                "-p", Integer.toString(samba.port()), "-U", SambaServer.USER + "%" + SambaServer.PASSWORD,
                "--option=torture:share1=" + share, "--option=torture:share2=" + share,
                "--option=torture:localdir=" + dir));
        cmd.addAll(SUITES);
        ToolResult r = MountFixture.run(cmd, MountFixture.TOOL_DEADLINE, Map.of(), fs.workDir());
        TortureResults results = TortureResults.parse(r.stdout());
        if (results.outcomes().size() < 30) {
            fail("smbtorture ran " + results.outcomes().size() + " tests on " + share + "\n" + r.describe());
        }
        return results;
    }

    /** Hands {@code dir} to the Samba user, as the set-up in docs/timemachine.md does. */
    private static Path sambaUsersDir(Path dir) throws IOException {
        UserPrincipalLookupService lookup = dir.getFileSystem().getUserPrincipalLookupService();
        PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
        view.setOwner(lookup.lookupPrincipalByName(SambaServer.USER));
        GroupPrincipal group = lookup.lookupPrincipalByGroupName("nogroup");
        view.setGroup(group);
        return dir;
    }

    private static List<String> listing(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static byte[] random(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static String tail(String text) {
        return text.length() <= 6000 ? text : text.substring(text.length() - 6000);
    }
}
