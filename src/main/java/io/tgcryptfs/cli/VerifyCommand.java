package io.tgcryptfs.cli;

import io.tgcryptfs.config.Settings;
import io.tgcryptfs.control.ControlClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.concurrent.Callable;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Authenticate every stored chunk of the running mount. By default uploaded packs are",
                "fetched from the backend again, so what is checked is what a restore would get."})
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    VolumeOptions options;

    @Option(names = "--local", description = "Check the local copies (cache and outbox) only; no downloads.")
    boolean local;

    @Override
    public Integer call() {
        Settings settings = options.settings();
        String error;
        try {
            error = ControlClient.request(settings.controlSocket(), local ? "verify-local" : "verify", System.out::println);
        } catch (IOException e) {
            throw new CliException("no running mount for " + settings.stateDir() + " (" + e.getMessage() + ")");
        }
        if (error != null) {
            throw new CliException(error);
        }
        return 0;
    }
}
