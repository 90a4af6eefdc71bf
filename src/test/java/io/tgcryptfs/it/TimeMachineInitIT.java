package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code timemachine init}: one command from nothing to a share. Before the volume is mounted it creates
 * the volume and the Samba files and says the mount is missing; once mounted, the same command finishes
 * (share directory and bundle for the Samba user), and again it changes nothing.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TimeMachineInitIT {

    @Test
    void init_setsUpVolumeShareAndBundle_andARerunDoesOnlyWhatIsMissing() throws IOException {
        MountFixture.assumeNotBaseline();
        try (MountFixture fs = new MountFixture()) {
            Path work = fs.workDir();
            Path smbConf = work.resolve("smb.conf");
            Files.writeString(smbConf, "[global]\n   workgroup = WORKGROUP\n\n[homes]\n   browseable = no\n");
            Path dir = fs.root().resolve("timemachine");
            String[] init = {"timemachine", "init", "--path", dir.toString(), "--user", "nobody", "--size", "1g",
                    "--samba-config", work.resolve("tm.conf").toString(), "--smb-conf", smbConf.toString(),
                    "--avahi", work.resolve("tm.service").toString(), "--smbd-dropin", work.resolve("smbd.d/tgcryptfs.conf").toString()};

            ToolResult unmounted = fs.cli(init);
            assertEquals(1, unmounted.exitCode(), unmounted.describe());
            assertTrue(unmounted.stderr().contains("is not on a running tgcryptfs mount"), unmounted.describe());
            assertTrue(Files.exists(fs.stateDir().resolve("volume.header")), "the volume was created\n" + unmounted.describe());
            assertTrue(Files.readString(work.resolve("tm.conf")).contains("[TimeMachine]"));
            assertTrue(Files.readString(work.resolve("tm.service")).contains("adVN=TimeMachine"));
            assertTrue(Files.readString(work.resolve("smbd.d/tgcryptfs.conf")).contains("After=tgcryptfs.service"));
            assertTrue(Files.readString(smbConf).startsWith("include = " + work.resolve("tm.conf") + "\n[global]"),
                    "smb.conf includes the share first");

            fs.start();
            ToolResult mounted = fs.cli(init).assertOk();
            assertTrue(mounted.stdout().contains("already there"), "the volume is not created twice\n" + mounted.describe());
            assertTrue(mounted.stdout().contains("already includes it"), mounted.describe());
            assertEquals("nobody", Files.getOwner(dir).getName(), "the share's directory belongs to the Samba user");
            assertEquals("rwxrwx---", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
            Path bundle = dir.resolve("MacBackup.sparsebundle");
            assertEquals("nobody", Files.getOwner(bundle.resolve("bands")).getName(), "the bundle too");
            assertEquals(1, Files.readString(smbConf).split("include = ", -1).length - 1, "one include line");

            ToolResult again = fs.cli(init).assertOk();
            assertTrue(again.stdout().contains("sparse bundle " + bundle + " already there"), again.describe());
            assertTrue(again.stdout().contains("already belongs to nobody"), again.describe());
        }
    }
}
