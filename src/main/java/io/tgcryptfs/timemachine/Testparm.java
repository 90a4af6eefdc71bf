package io.tgcryptfs.timemachine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Samba's own check of a configuration file, {@code testparm -s FILE}, when Samba is installed: what
 * we print is then known to load in the smbd that will read it, not just to look right.
 */
public final class Testparm {
    private static final List<Path> LOCATIONS = List.of(Path.of("/usr/bin/testparm"), Path.of("/usr/sbin/testparm"),
            Path.of("/usr/local/bin/testparm"), Path.of("/usr/local/samba/bin/testparm"));

    /** What testparm said: {@code installed == false} means nothing was checked. */
    public record Verdict(boolean installed, boolean ok, String output) {
    }

    private Testparm() {
    }

    public static Optional<Path> find() {
        return LOCATIONS.stream().filter(Files::isExecutable).findFirst();
    }

    /** Checks {@code config}, a complete smb.conf or a file meant to be included in one. */
    public static Verdict check(Path config) throws IOException {
        Optional<Path> testparm = find();
        if (testparm.isEmpty()) {
            return new Verdict(false, true, "");
        }
        Process p = new ProcessBuilder(testparm.get().toString(), "-s", config.toString())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        byte[] output = p.getInputStream().readAllBytes();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Verdict(true, false, "testparm did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while running testparm", e);
        }
        String text = new String(output, StandardCharsets.UTF_8);
        // testparm exits 0 even for unknown parameters; it names them, so those count as failures too
        boolean ok = p.exitValue() == 0 && !text.contains("Unknown parameter") && !text.contains("Ignoring unknown");
        return new Verdict(true, ok, text);
    }
}
