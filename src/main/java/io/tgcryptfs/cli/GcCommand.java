package io.tgcryptfs.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "gc", mixinStandardHelpOptions = true,
        description = {"Reclaim backend space held by deleted data now: packs below gc.min-live-ratio live are",
                "rewritten, two restore points are published, and retired packs no kept restore point mentions are",
                "deleted from the backend (the mount also does this every gc.interval)."})
final class GcCommand implements Callable<Integer> {
    @Mixin
    VolumeOptions options;

    @Override
    public Integer call() {
        options.askMount(options.settings(), "gc", System.out::println);
        return 0;
    }
}
