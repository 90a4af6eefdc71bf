package io.tgcryptfs.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: `java -jar tgcryptfs.jar <command>`. */
@Command(name = "tgcryptfs", mixinStandardHelpOptions = true, version = "tgcryptfs 0.1.0",
        description = "An encrypted, deduplicating FUSE filesystem whose contents live in Telegram (or a directory).",
        subcommands = {InitCommand.class, MountCommand.class, RestoreCommand.class, SnapshotsCommand.class, UnmountCommand.class, SyncCommand.class, StatusCommand.class, VerifyCommand.class, GcCommand.class, PasswdCommand.class,
                CacheCommand.class, TelegramCommand.class, TimeMachineCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Exit code of a command that failed (picocli uses 2 for usage errors). */
    static final int FAILURE = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("tgcryptfs: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return FAILURE;
        });
        cli.setExecutionStrategy(new UsageCheck());
        cli.setParameterExceptionHandler(UsageCheck::parameterError);
        CommandListSection.install(cli);
        return cli.execute(args);
    }

    @Override
    public void run() {
        // never reached: UsageCheck answers a command that only groups others (this one) before it runs
        spec.commandLine().usage(System.out);
    }
}
