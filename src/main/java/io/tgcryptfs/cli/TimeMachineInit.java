package io.tgcryptfs.cli;

import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.config.Settings;
import io.tgcryptfs.timemachine.AvahiService;
import io.tgcryptfs.timemachine.BundleOwner;
import io.tgcryptfs.timemachine.SambaShare;
import io.tgcryptfs.timemachine.SmbConfInclude;
import io.tgcryptfs.volume.VolumeSetup;
import io.tgcryptfs.volume.VolumeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Set up a Time Machine destination in one go: the volume (if there is none), the share's directory "
                + "on the mount owned by the Samba user, a sparse bundle (with --size), the Samba share included from "
                + "smb.conf and the Avahi file. Run it again after a failure: it does only what is missing.")
final class TimeMachineInit implements Callable<Integer> {
    @Mixin
    VolumeOptions options;

    @Option(names = "--path", required = true, paramLabel = "DIR", description = "The share's directory, inside the mount.")
    Path path;

    @Option(names = "--user", required = true, paramLabel = "USER", description = "The Samba user who backs up (a system user).")
    String user;

    @Option(names = "--share-name", defaultValue = "TimeMachine", paramLabel = "NAME",
            description = "Share name the Mac sees (default: ${DEFAULT-VALUE}).")
    String shareName;

    @Option(names = "--max-size", defaultValue = "1T", paramLabel = "SIZE",
            description = "What Time Machine may use over SMB (default: ${DEFAULT-VALUE}).")
    String maxSize;

    @Option(names = "--size", paramLabel = "SIZE",
            description = "Also create a sparse bundle of this size in DIR, for hdiutil attach (the macFUSE route).")
    String size;

    @Option(names = "--name", defaultValue = "MacBackup", paramLabel = "NAME",
            description = "The sparse bundle's name with --size (default: ${DEFAULT-VALUE}).")
    String bundleName;

    @Option(names = "--samba-config", paramLabel = "FILE",
            description = "Where the share's configuration goes (default: /etc/samba/tgcryptfs-<share>.conf).")
    Path sambaConfig;

    @Option(names = "--smb-conf", defaultValue = "/etc/samba/smb.conf", paramLabel = "FILE",
            description = "The smb.conf that includes it (default: ${DEFAULT-VALUE}); skipped when it does not exist.")
    Path smbConf;

    @Option(names = "--avahi", paramLabel = "FILE",
            description = "Avahi service file (default: /etc/avahi/services/tgcryptfs-<share>.service when that directory exists).")
    Path avahi;

    @Option(names = "--smbd-dropin", paramLabel = "FILE",
            description = "systemd drop-in ordering smbd after the mount (default: /etc/systemd/system/smbd.service.d/"
                    + "tgcryptfs.conf when systemd runs).")
    Path smbdDropin;

    @Override
    public Integer call() throws IOException {
        Settings settings = options.settings();
        try {
            BundleOwner.parse(user, Path.of("/")); // before anything is written: the Samba user must exist
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage() + " (create it: useradd -M -s /usr/sbin/nologin " + user + ")");
        }
        volume(settings);
        SambaShare share = TimeMachineShare.share(shareName, path, Optional.of(user), maxSize);
        Path configFile = sambaConfig != null ? sambaConfig
                : Path.of("/etc/samba/tgcryptfs-" + TimeMachineShare.fileName(shareName) + ".conf");
        TimeMachineShare.writeValidated(share, configFile);
        step("samba share [" + shareName + "] in " + configFile);
        includeFromSmbConf(configFile);
        avahiFile();
        smbdAfterTheMount();

        Path dir = path.toAbsolutePath().normalize();
        Optional<Path> mount = MountedVolume.containing(dir);
        if (mount.isEmpty()) {
            throw new CliException(dir + " is not on a running tgcryptfs mount: mount the volume"
                    + " (tgcryptfs mount MOUNTPOINT, or systemctl start tgcryptfs), then run this again;"
                    + " it does only what is missing");
        }
        shareDirectory(dir);
        if (size != null) {
            if (Files.exists(dir.resolve(bundleName + ".sparsebundle"))) {
                step("sparse bundle " + dir.resolve(bundleName + ".sparsebundle") + " already there");
            } else {
                TimeMachineCommand.Create.createOwned(dir, bundleName, TimeMachineCommand.Create.parseSize(size), user);
                step("sparse bundle " + dir.resolve(bundleName + ".sparsebundle"));
            }
        }
        System.out.println("next: `smbpasswd -a " + user + "` (once), `systemctl daemon-reload && systemctl restart smbd`; on the Mac:"
                + " tmutil setdestination -a smb://" + user + "@<this host>/" + shareName
                + " (or System Settings > Time Machine > Add Backup Disk)");
        return 0;
    }

    private void volume(Settings settings) {
        if (VolumeSetup.existsLocally(settings)) {
            step("volume in " + settings.stateDir() + " already there");
            return;
        }
        try (BlobStore backend = options.backend(settings)) {
            VolumeSetup.create(settings, backend, options.password(true), new SecureRandom());
        } catch (VolumeException e) {
            throw new CliException(e.getMessage());
        } catch (Exception e) {
            throw new CliException("cannot create the volume: " + e.getMessage());
        }
        step("created a new volume in " + settings.stateDir());
    }

    private void includeFromSmbConf(Path configFile) throws IOException {
        if (!Files.isRegularFile(smbConf)) {
            step("no " + smbConf + " (is samba installed?): add `include = " + configFile + "` as its first line");
            return;
        }
        SmbConfInclude.Outcome outcome = SmbConfInclude.ensure(smbConf, configFile);
        step(switch (outcome) {
            case ALREADY -> smbConf + " already includes it";
            case ADDED -> smbConf + " includes it (first line; checked with testparm -s when installed)";
        });
    }

    private void avahiFile() throws IOException {
        Path file = avahi;
        if (file == null) {
            Path services = Path.of("/etc/avahi/services");
            if (!Files.isDirectory(services)) {
                step("no /etc/avahi/services: `apt-get install avahi-daemon` and run this again so Macs find the share");
                return;
            }
            file = services.resolve("tgcryptfs-" + TimeMachineShare.fileName(shareName) + ".service");
        }
        Files.writeString(file, AvahiService.forShare(shareName, 445));
        step("avahi service " + file);
    }

    /**
     * smbd must start after the mount and stop before it: started first it would serve the empty
     * directory under the mount point, and while it runs it keeps the mount busy.
     */
    private void smbdAfterTheMount() throws IOException {
        Path file = smbdDropin;
        if (file == null) {
            if (!Files.isDirectory(Path.of("/run/systemd/system"))) {
                step("no systemd: start smbd only after the volume is mounted, and stop it before unmounting");
                return;
            }
            file = Path.of("/etc/systemd/system/smbd.service.d/tgcryptfs.conf");
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, """
                # written by `tgcryptfs timemachine init`: smbd serves the tgcryptfs mount, so it starts
                # after it and stops before it (smbd keeps the mount busy while it runs)
                [Unit]
                After=tgcryptfs.service
                Requires=tgcryptfs.service
                """);
        step("smbd ordered after tgcryptfs.service in " + file + " (then: systemctl daemon-reload)");
    }

    /** The share's directory on the mount, owned by the Samba user (created if missing, fixed if root's). */
    private void shareDirectory(Path dir) throws IOException {
        boolean created = !Files.isDirectory(dir);
        Files.createDirectories(dir);
        BundleOwner owner = BundleOwner.parse(user, dir.getParent());
        if (created || !Files.getOwner(dir).equals(owner.user())) {
            owner.applyToDirectory(dir);
            step("directory " + dir + " for " + owner + " (mode 0770)");
        } else {
            step("directory " + dir + " already belongs to " + user);
        }
    }

    private static void step(String text) {
        System.out.println("  " + text);
    }
}
