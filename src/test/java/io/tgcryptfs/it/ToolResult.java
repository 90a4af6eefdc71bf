package io.tgcryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;

/**
 * What an external command did: its exit code and output. Python snippets run through
 * {@link MountFixture#python} print {@code errno=ENAME} and exit {@value #PYTHON_OSERROR_EXIT} when an
 * {@code OSError} escapes, so a test can assert the exact errno a syscall returned.
 */
public record ToolResult(List<String> command, int exitCode, String stdout, String stderr) {

    /** Exit code of a python snippet that raised OSError (see {@link MountFixture#python}). */
    public static final int PYTHON_OSERROR_EXIT = 17;

    /** Fails with the command and its output unless it exited 0; returns this for chaining. */
    public ToolResult assertOk() {
        if (exitCode != 0) {
            fail("expected exit code 0 but was " + exitCode + "\n" + describe());
        }
        return this;
    }

    /** Fails unless the python snippet failed with exactly this errno name (e.g. "ENODATA"). */
    public ToolResult assertErrno(String expected) {
        assertEquals(expected, errno(), () -> "expected the call to fail with " + expected + "\n" + describe());
        return this;
    }

    /** The errno name a python snippet failed with, "none" when it exited 0, or "exit N" otherwise. */
    public String errno() {
        if (exitCode == 0) {
            return "none";
        }
        if (exitCode == PYTHON_OSERROR_EXIT) {
            for (String line : stdout.strip().split("\n")) {
                if (line.startsWith("errno=")) {
                    return line.substring("errno=".length()).strip();
                }
            }
        }
        return "exit " + exitCode;
    }

    /** Standard output without the trailing newline. */
    public String out() {
        return stdout.strip();
    }

    public String describe() {
        return "command: " + String.join(" ", command.stream().map(ToolResult::abbreviate).toList())
                + "\nexit code: " + exitCode
                + "\nstdout:\n" + abbreviate(stdout)
                + "\nstderr:\n" + abbreviate(stderr);
    }

    private static String abbreviate(String s) {
        return s.length() <= 4000 ? s : s.substring(0, 4000) + "... (" + s.length() + " chars)";
    }
}
