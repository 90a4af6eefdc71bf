package io.tgcryptfs.cli;

import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.config.Settings;
import io.tgcryptfs.volume.VolumeSetup;
import io.tgcryptfs.volume.VolumeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.security.SecureRandom;
import java.util.concurrent.Callable;

@Command(name = "restore", mixinStandardHelpOptions = true,
        description = "Restore the newest restore point from the backend into an empty state directory (a new machine); "
                + "an interrupted restore resumes.")
final class RestoreCommand implements Callable<Integer> {
    @Mixin
    VolumeOptions options;

    @Override
    public Integer call() throws Exception {
        Settings settings = options.settings();
        try (BlobStore backend = options.backend(settings)) {
            if (VolumeSetup.existsLocally(settings)) {
                throw new CliException("a volume already exists in " + settings.stateDir()
                        + "; restore needs an empty state directory (set tgcryptfs.state-dir or XDG_DATA_HOME)");
            }
            char[] password = options.password(false);
            try {
                RestoreRunner.restore(settings, backend, password, new SecureRandom(), System.out);
            } catch (VolumeException e) {
                throw new CliException(e.getMessage());
            }
            return 0;
        }
    }
}
