package io.tgcryptfs.cli;

import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

import java.io.PrintWriter;
import java.util.List;

/**
 * Usage errors picocli lets through, answered with a message and exit code 2 before anything runs.
 * Picocli skips its unmatched-argument error when {@code --help} is also given, so
 * {@code tgcryptfs timemachine bogus --help} printed the parent's help and exited 0, as if "bogus"
 * were fine; and a command that only groups others, run without one, is a usage error too.
 */
final class UsageCheck implements CommandLine.IExecutionStrategy {
    static final int USAGE = 2;

    private final CommandLine.IExecutionStrategy next = new CommandLine.RunLast();

    @Override
    public int execute(ParseResult parsed) {
        ParseResult last = parsed;
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (!p.unmatched().isEmpty()) {
                return unknown(p.commandSpec().commandLine(), p.unmatched());
            }
            last = p;
        }
        Integer help = CommandLine.executeHelpRequest(parsed);
        if (help != null) {
            return help;
        }
        CommandLine command = last.commandSpec().commandLine();
        boolean groupsOthers = !command.getSubcommands().isEmpty()
                && !(command.getCommand() instanceof java.util.concurrent.Callable<?>);
        if (groupsOthers) {
            PrintWriter err = command.getErr();
            err.println(command.getCommandSpec().qualifiedName() + ": missing command (one of: "
                    + String.join(", ", visibleCommands(command)) + ")");
            command.usage(err);
            return USAGE;
        }
        return next.execute(parsed);
    }

    /** For parse errors: unknown commands get the same message as above, the rest picocli's own. */
    static int parameterError(CommandLine.ParameterException e, String[] args) {
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            return unknown(u.getCommandLine(), u.getUnmatched());
        }
        PrintWriter err = e.getCommandLine().getErr();
        err.println(e.getMessage());
        e.getCommandLine().usage(err);
        return USAGE;
    }

    /** Message and exit code for arguments no command or option took. */
    static int unknown(CommandLine command, List<String> unmatched) {
        PrintWriter err = command.getErr();
        String qualified = command.getCommandSpec().qualifiedName();
        String first = unmatched.get(0);
        if (!command.getSubcommands().isEmpty() && !first.startsWith("-")) {
            err.println(qualified + ": unknown command '" + first + "' (commands: "
                    + String.join(", ", visibleCommands(command)) + ")");
        } else {
            err.println(qualified + ": unexpected argument" + (unmatched.size() > 1 ? "s" : "") + " "
                    + String.join(" ", unmatched.stream().map(a -> "'" + a + "'").toList()));
        }
        err.println("see: " + qualified + " --help");
        return USAGE;
    }

    private static List<String> visibleCommands(CommandLine command) {
        return command.getSubcommands().entrySet().stream()
                .filter(e -> !e.getValue().getCommandSpec().usageMessage().hidden())
                .map(java.util.Map.Entry::getKey)
                .toList();
    }
}
