package io.tgcryptfs.cli;

import io.tgcryptfs.config.Settings;
import io.tgcryptfs.control.ControlClient;
import io.tgcryptfs.fuse.MountInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "unmount", mixinStandardHelpOptions = true,
        description = "Ask the running mount to finish: it unmounts, uploads everything and exits.")
final class UnmountCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MOUNTPOINT")
    Path mountpoint;

    @Mixin
    VolumeOptions options;

    @Override
    public Integer call() throws Exception {
        Settings settings = options.settings(); // like every command, a broken --config is reported, not ignored
        Path target = mountpoint.toAbsolutePath().normalize();
        if (!MountInfo.isMounted(target)) {
            throw new CliException(target + " is not mounted");
        }
        String failure = tryUnmount("fusermount", "-u", target.toString());
        if (failure != null && MountInfo.isMounted(target) && stoppedShare(settings, target)) {
            failure = tryUnmount("fusermount", "-u", target.toString());
        }
        if (failure != null && MountInfo.isMounted(target)) {
            String second = tryUnmount("umount", target.toString());
            if (second != null && MountInfo.isMounted(target)) {
                throw new CliException("cannot unmount " + target + ": " + failure.strip());
            }
        }
        System.out.println("unmounted " + target + "; the mount process is uploading what is left and will exit");
        return 0;
    }

    /**
     * A mount serving a share ({@code timemachine mount --share}) is busy while its smbd runs: asks it to
     * stop smbd. True if it did, so unmounting again can succeed.
     */
    private static boolean stoppedShare(Settings settings, Path target) {
        try {
            if (ControlClient.request(settings.controlSocket(), "stop-share " + target, line -> { }) == null) {
                System.out.println("stopped the share's smbd");
                return true;
            }
        } catch (IOException e) {
            // no mount listening with these settings: nothing to stop
        }
        return false;
    }

    /** Runs the command; null on success, else its output. */
    private static String tryUnmount(String... command) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            return p.waitFor() == 0 ? null : output;
        } catch (IOException e) {
            return e.getMessage();
        }
    }
}
