package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * POSIX ACLs. With {@code fuse.posix-acls} on, one script of setfacl, chmod and default ACLs under a
 * umask, with writes by a named user and by a member of the owning group ({@code acl_behaviour.sh}),
 * prints the same on a plain directory (ext4, which enforces ACLs) and on the mount, and a remount keeps
 * every ACL and mode. Off (the default), ACLs are kept as xattrs but permissions come from the mode.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AclIT {

    @Test
    void withPosixAcls_theyBehaveAsOnExt4_andARemountKeepsThem() throws IOException {
        MountFixture.assumeNotBaseline();
        try (MountFixture fs = new MountFixture().withProperty("fuse.posix-acls", "true")) {
            fs.start();
            Path script = script(fs);
            Path plain = Files.createDirectories(fs.workDir().resolve("ext4"));
            String onExt4 = behaviour(fs, script, plain);
            assertTrue(onExt4.contains("nobody write: allowed") && onExt4.contains("group member write: denied"),
                    "the plain directory enforces ACLs (else the comparison says nothing):\n" + onExt4);
            assertEquals(onExt4, behaviour(fs, script, fs.root()), "the same ACL behaviour as on ext4");

            String before = listing(fs);
            fs.restart();
            assertEquals(before, listing(fs), "every ACL and mode after a remount");
        }
    }

    @Test
    void byDefault_aclsAreKept_butPermissionsComeFromTheMode() throws IOException {
        MountFixture.assumeNotBaseline();
        try (MountFixture fs = new MountFixture()) {
            fs.start();
            String onMount = behaviour(fs, script(fs), fs.root());
            assertTrue(onMount.contains("f: 640 user::rw- user:nobody:rw- group::r-- mask::rw- other::---"), onMount);
            assertTrue(onMount.contains("nobody write: denied"), "the ACL is kept, not enforced:\n" + onMount);
        }
    }

    private static Path script(MountFixture fs) throws IOException {
        Path script = fs.workDir().resolve("acl_behaviour.sh");
        try (InputStream in = AclIT.class.getResourceAsStream("acl_behaviour.sh")) {
            Files.copy(in, script);
        }
        return script;
    }

    private static String behaviour(MountFixture fs, Path script, Path dir) {
        ToolResult r = MountFixture.run(List.of("bash", script.toString(), dir.toString()), MountFixture.TOOL_DEADLINE,
                java.util.Map.of(), dir);
        return r.assertOk().stdout();
    }

    private static String listing(MountFixture fs) {
        return fs.run("sh", "-c", "cd acltest && getfacl -Rcp . 2>/dev/null && stat -c '%n %a %u %g' * */*").assertOk().stdout();
    }
}
