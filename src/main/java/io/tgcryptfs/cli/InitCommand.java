package io.tgcryptfs.cli;

import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.config.Settings;
import io.tgcryptfs.volume.VolumeSetup;
import io.tgcryptfs.volume.VolumeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.security.SecureRandom;
import java.util.concurrent.Callable;

@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Create a new volume (state in $XDG_DATA_HOME/tgcryptfs, objects in the configured backend).")
final class InitCommand implements Callable<Integer> {
    @Mixin
    VolumeOptions options;

    @Override
    public Integer call() throws Exception {
        Settings settings = options.settings();
        char[] password = options.password(true); // first: a refused password leaves no backend directory behind
        try (BlobStore backend = options.backend(settings)) {
            try {
                VolumeSetup.create(settings, backend, password, new SecureRandom());
            } catch (VolumeException e) {
                throw new CliException(e.getMessage());
            }
            System.out.println("created a new volume in " + settings.stateDir());
            return 0;
        }
    }
}
