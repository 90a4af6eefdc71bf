package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line's answers to mistakes and to {@code --help}, and where it puts state and reads
 * configuration when only {@code $HOME} says where home is (systemd units, containers, harnesses).
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CliUsageIT {

    @BeforeAll
    static void needsTheProduct() {
        MountFixture.assumeNotBaseline();
    }

    @Test
    void anUnknownCommand_exits2_andNamesIt() {
        ToolResult r = Tool.run(Map.of(), "bogus");
        assertEquals(2, r.exitCode(), r.describe());
        assertTrue(r.stderr().contains("unknown command 'bogus'"), r.describe());
    }

    @Test
    void anUnknownSubcommand_exits2_evenWithHelp_insteadOfPrintingTheParentsHelp() {
        ToolResult r = Tool.run(Map.of(), "timemachine", "bogus", "--help");
        assertEquals(2, r.exitCode(), r.describe());
        assertTrue(r.stderr().contains("unknown command 'bogus'"), r.describe());
        assertFalse(r.stdout().contains("Usage:"), "no help text as if the command were fine\n" + r.describe());
    }

    @Test
    void aGroupOfCommands_withoutOne_isAUsageError() {
        ToolResult r = Tool.run(Map.of(), "timemachine");
        assertEquals(2, r.exitCode(), r.describe());
        assertTrue(r.stderr().contains("missing command"), r.describe());
    }

    @Test
    void help_listsEveryCommand_withAWholeSentence() {
        for (String[] args : new String[][] {{"--help"}, {"timemachine", "--help"}}) {
            ToolResult r = Tool.run(Map.of(), args).assertOk();
            List<String> entries = commandEntries(r.stdout());
            assertTrue(entries.size() >= 2, "a command list\n" + r.describe());
            for (String entry : entries) {
                assertTrue(entry.endsWith("."), "'" + entry + "' is cut mid-sentence\n" + r.describe());
            }
        }
    }

    @Test
    void init_withOnlyHome_putsTheStateUnderHome(@TempDir Path home) {
        Tool.run(Map.of("HOME", home.toString()), "init").assertOk();
        assertTrue(Files.isRegularFile(home.resolve(".local/share/tgcryptfs/volume.header")),
                "HOME=" + home + " tgcryptfs init writes $HOME/.local/share/tgcryptfs");
    }

    @Test
    void theUserConfiguration_isReadFromHome(@TempDir Path home) throws IOException {
        Path config = Files.createDirectories(home.resolve(".config/tgcryptfs")).resolve("application.conf");
        Files.writeString(config, "tgcryptfs.state-dir = \"" + home.resolve("elsewhere") + "\"\n");
        Tool.run(Map.of("HOME", home.toString()), "init").assertOk();
        assertTrue(Files.isRegularFile(home.resolve("elsewhere/volume.header")),
                "$HOME/.config/tgcryptfs/application.conf decides the state directory");
    }

    @Test
    void timemachineCreate_saysWhenRootKeepsTheBundle_andHandsItToOwner(@TempDir Path dir) throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to chown");
        ToolResult rootOwned = Tool.run(Map.of("HOME", dir.toString()), "timemachine", "create", "--size", "1g",
                "--name", "A", dir.toString()).assertOk();
        assertTrue(rootOwned.stdout().contains("note: owned by root, so a Samba user other than root cannot write it"),
                rootOwned.describe());
        Tool.run(Map.of("HOME", dir.toString()), "timemachine", "create", "--size", "1g", "--name", "B",
                "--owner", "nobody:nogroup", dir.toString()).assertOk();
        for (String f : new String[] {"", "/bands", "/Info.plist", "/token"}) {
            Path p = Path.of(dir.resolve("B.sparsebundle") + f);
            assertEquals("nobody", Files.getOwner(p).getName(), p.toString());
        }
    }

    /** The text of each row of the "Commands:" list, continuation lines joined. */
    static List<String> commandEntries(String help) {
        List<String> entries = new ArrayList<>();
        boolean inList = false;
        for (String line : help.split("\n")) {
            if (line.startsWith("Commands:")) {
                inList = true;
            } else if (inList && line.matches("^  \\S.*")) {
                entries.add(line.strip().replaceFirst("^\\S+\\s+", ""));
            } else if (inList && line.matches("^\\s{4,}\\S.*") && !entries.isEmpty()) {
                int last = entries.size() - 1;
                entries.set(last, entries.get(last) + " " + line.strip());
            } else if (inList && !line.isBlank()) {
                inList = false;
            }
        }
        return entries;
    }

    /** Runs the jar with a clean environment: no XDG_* variables, HOME only when given. */
    static final class Tool {
        static ToolResult run(Map<String, String> env, String... args) {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dtgcryptfs.kdf.memory-kib=8192", "-Dtgcryptfs.kdf.iterations=1", "-jar", jar().toString()));
            cmd.addAll(List.of(args));
            try {
                Path out = Files.createTempFile("cli-out", ".txt");
                Path err = Files.createTempFile("cli-err", ".txt");
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                pb.environment().keySet().removeIf(k -> k.startsWith("XDG_") || k.equals("HOME"));
                pb.environment().put("TGCRYPTFS_PASSWORD", "cli-usage-it");
                pb.environment().putAll(env);
                Process p = pb.start();
                int exit = MountFixture.awaitExit(p, MountFixture.TOOL_DEADLINE);
                if (exit == Integer.MIN_VALUE) {
                    p.destroyForcibly();
                }
                ToolResult result = new ToolResult(cmd, exit, Files.readString(out), Files.readString(err));
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
                return result;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private static Path jar() {
            String explicit = System.getProperty("tgcryptfs.it.jar");
            return explicit != null ? Path.of(explicit)
                    : Path.of(System.getProperty("basedir", System.getProperty("user.dir")), "target", "tgcryptfs.jar");
        }
    }
}
