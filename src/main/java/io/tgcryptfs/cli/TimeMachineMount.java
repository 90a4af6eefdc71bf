package io.tgcryptfs.cli;

import io.tgcryptfs.timemachine.ListeningPorts;
import io.tgcryptfs.timemachine.ServedShares;
import io.tgcryptfs.timemachine.SmbdProcess;
import io.tgcryptfs.timemachine.Testparm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "mount", mixinStandardHelpOptions = true,
        description = "Mount the volume like `tgcryptfs mount`; with --share also serve its Time Machine share with smbd "
                + "while mounted. smbd starts once the mount is up and is stopped before it unmounts (on SIGINT, SIGTERM "
                + "or `tgcryptfs unmount`), so the unmount does not find the mount busy. With --share and no smbd, no share "
                + "of MOUNTPOINT in the smb.conf, or its port taken, it exits 2 without mounting.")
final class TimeMachineMount implements Callable<Integer> {
    @Mixin
    VolumeOptions options;

    @Parameters(paramLabel = "MOUNTPOINT", description = "An existing empty directory.")
    Path mountpoint;

    @Option(names = "--share", description = "Serve the Samba share(s) of the mount with smbd while mounted.")
    boolean share;

    @Option(names = "--smb-conf", defaultValue = "/etc/samba/smb.conf", paramLabel = "FILE",
            description = "The smb.conf smbd runs with (default: ${DEFAULT-VALUE}, which `timemachine init` makes include the share).")
    Path smbConf;

    @Override
    public Integer call() throws Exception {
        MountCommand mount = new MountCommand();
        mount.options = options;
        mount.mountpoint = mountpoint;
        if (!share) {
            return mount.mount(MountCompanion.NONE);
        }
        options.settings(); // a broken --config is reported before Samba is looked at
        Path target = mountpoint.toAbsolutePath().normalize();
        Optional<Path> smbd = SmbdProcess.find();
        if (smbd.isEmpty()) {
            return refuse("--share needs smbd, which is not installed (apt-get install samba samba-vfs-modules);"
                    + " or mount without --share");
        }
        if (!Files.isRegularFile(smbConf)) {
            return refuse("no " + smbConf + ": set up the share first (tgcryptfs timemachine init), or give --smb-conf FILE");
        }
        Testparm.Verdict verdict = Testparm.check(smbConf);
        if (!verdict.installed()) {
            return refuse("testparm is not installed (apt-get install samba-common-bin): the share cannot be checked");
        }
        if (!verdict.ok()) {
            return refuse("testparm -s rejects " + smbConf + ":\n" + verdict.output().strip());
        }
        ServedShares served = ServedShares.parse(verdict.output());
        if (served.under(target).isEmpty()) {
            return refuse(smbConf + " shares no directory of " + target + ": run `tgcryptfs timemachine init --path "
                    + target.resolve("timemachine") + " --user USER` (it adds the share to smb.conf), or give --smb-conf FILE");
        }
        Optional<Integer> taken = served.ports().stream().filter(ListeningPorts::isListening).findFirst();
        if (taken.isPresent()) {
            return refuse("port " + taken.get() + " is already served, probably by the system's smbd: stop it"
                    + " (systemctl disable --now smbd), since with --share this mount runs smbd itself, after mounting"
                    + " and stopped before unmounting");
        }
        return mount.mount(new ShareCompanion(smbd.get(), smbConf.toAbsolutePath(), served, target));
    }

    /** A configuration error: nothing was mounted. */
    private static int refuse(String message) {
        System.err.println("tgcryptfs: " + message);
        return UsageCheck.USAGE;
    }
}
