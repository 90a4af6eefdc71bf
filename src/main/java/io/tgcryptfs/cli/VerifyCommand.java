package io.tgcryptfs.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Authenticate every stored chunk of the running mount. By default uploaded packs are",
                "fetched from the backend again, so what is checked is what a restore would get."})
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    VolumeOptions options;

    @Option(names = "--local", description = "Check the local copies (cache and outbox) only.")
    boolean local;

    @Override
    public Integer call() {
        options.askMount(options.settings(), local ? "verify-local" : "verify", System.out::println);
        return 0;
    }
}
