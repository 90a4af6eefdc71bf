package io.tgcryptfs.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "gc", mixinStandardHelpOptions = true,
        description = {"Reclaim backend space held by deleted data: packs less than half live are rewritten,",
                "two metadata snapshots are published, then the old packs are deleted from the backend."})
final class GcCommand implements Callable<Integer> {
    static final double MIN_LIVE_RATIO = 0.5;

    @Mixin
    VolumeOptions options;

    @Override
    public Integer call() {
        options.askMount(options.settings(), "gc", System.out::println);
        return 0;
    }
}
