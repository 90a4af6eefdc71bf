package io.tgcryptfs.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the running mount's outbox, upload progress, retries and backend state.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    VolumeOptions options;

    @Override
    public Integer call() {
        options.askMount(options.settings(), "status", System.out::println);
        return 0;
    }
}
