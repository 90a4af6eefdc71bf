package io.tgcryptfs.cli;

import io.tgcryptfs.config.Settings;
import io.tgcryptfs.control.ControlClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.IOException;
import java.util.concurrent.Callable;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the running mount's outbox, upload progress, retries and backend state.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    VolumeOptions options;

    @Override
    public Integer call() {
        Settings settings = options.settings();
        String error;
        try {
            error = ControlClient.request(settings.controlSocket(), "status", System.out::println);
        } catch (IOException e) {
            throw new CliException("no running mount for " + settings.stateDir() + " (" + e.getMessage() + ")");
        }
        if (error != null) {
            throw new CliException(error);
        }
        return 0;
    }
}
