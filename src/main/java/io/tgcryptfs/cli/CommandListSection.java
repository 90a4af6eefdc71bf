package io.tgcryptfs.cli;

import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.TextTable;
import picocli.CommandLine.Help.Column;
import picocli.CommandLine.Help.Column.Overflow;

import java.util.Map;

/**
 * The "Commands:" list of a help text, one complete sentence per command. Picocli's own list shows a
 * command's first description line, which is wherever its author wrapped the text, so it stopped
 * mid-sentence ("... until unmounted or sent SIGINT/SIGTERM,"). This joins the description and keeps
 * its first sentence, wrapped to the help width.
 */
final class CommandListSection implements CommandLine.IHelpSectionRenderer {

    /** Installs this list on {@code root} and every command below it. */
    static void install(CommandLine root) {
        root.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, new CommandListSection());
        root.getSubcommands().values().forEach(CommandListSection::install);
    }

    @Override
    public String render(Help help) {
        Map<String, Help> commands = help.subcommands();
        if (commands.isEmpty()) {
            return "";
        }
        int nameWidth = commands.keySet().stream().mapToInt(String::length).max().orElse(0) + 4;
        int width = help.commandSpec().usageMessage().width();
        TextTable table = TextTable.forColumns(help.colorScheme(),
                new Column(nameWidth, 2, Overflow.SPAN),
                new Column(Math.max(20, width - nameWidth), 1, Overflow.WRAP));
        commands.forEach((name, sub) -> {
            if (!sub.commandSpec().usageMessage().hidden()) {
                // picocli's own list prefers the header (its help command has one), then the description
                String[] header = sub.commandSpec().usageMessage().header();
                table.addRowValues(name, firstSentence(header.length > 0 ? header : sub.commandSpec().usageMessage().description()));
            }
        });
        return table.toString();
    }

    /** The text up to and including the first full stop followed by a space (or the end). */
    static String firstSentence(String[] lines) {
        StringBuilder joined = new StringBuilder();
        for (String line : lines) {
            joined.append(formatted(line)).append(' ');
        }
        String text = joined.toString().strip().replaceAll("\\s+", " ");
        int end = text.indexOf(". ");
        return end < 0 ? text : text.substring(0, end + 1);
    }

    /** Descriptions are format strings to picocli (%n is a line break); this list reads them the same way. */
    private static String formatted(String line) {
        try {
            return String.format(java.util.Locale.ROOT, line);
        } catch (java.util.IllegalFormatException e) {
            return line;
        }
    }
}
