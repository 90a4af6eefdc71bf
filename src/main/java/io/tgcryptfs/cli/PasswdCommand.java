package io.tgcryptfs.cli;

import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.config.Settings;
import io.tgcryptfs.volume.VolumeSetup;
import io.tgcryptfs.volume.VolumeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Callable;

@Command(name = "passwd", mixinStandardHelpOptions = true,
        description = {"Change the volume's password (volume not mounted). Only the master key is rewrapped;",
                "the new header goes to the backend and the state directory."})
final class PasswdCommand implements Callable<Integer> {
    static final String NEW_PASSWORD_VARIABLE = "TGCRYPTFS_NEW_PASSWORD";

    @Mixin
    VolumeOptions options;

    @Option(names = "--new-password-file", paramLabel = "FILE",
            description = "Read the new password from FILE (else $TGCRYPTFS_NEW_PASSWORD, else the terminal, twice).")
    Path newPasswordFile;

    @Override
    public Integer call() throws Exception {
        Settings settings = options.settings();
        try (BlobStore backend = options.backend(settings)) {
            char[] old = options.password(false);
            char[] fresh = VolumeOptions.password(newPasswordFile, NEW_PASSWORD_VARIABLE, "New password", true);
            try {
                VolumeSetup.changePassword(settings, backend, old, fresh, new SecureRandom());
            } catch (VolumeException e) {
                throw new CliException(e.getMessage());
            }
            System.out.println("password changed");
            return 0;
        }
    }
}
