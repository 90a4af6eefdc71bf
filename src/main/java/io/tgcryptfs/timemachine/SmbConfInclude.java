package io.tgcryptfs.timemachine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Pattern;

/**
 * Makes smb.conf include a share file, as its first line: a share takes {@code vfs objects} from
 * [global] as it stood where the share was defined, so an include at the end would leave the shares
 * above it without fruit, which macOS handles badly when it mounts them together. The original is kept
 * once as {@code smb.conf.before-tgcryptfs}, and a result testparm rejects is never left in place.
 */
public final class SmbConfInclude {
    public enum Outcome { ALREADY, ADDED }

    private SmbConfInclude() {
    }

    public static Outcome ensure(Path smbConf, Path include) throws IOException {
        String original = Files.readString(smbConf);
        Pattern present = Pattern.compile("(?m)^\\s*include\\s*=\\s*" + Pattern.quote(include.toString()) + "\\s*$");
        if (present.matcher(original).find()) {
            return Outcome.ALREADY;
        }
        Path candidate = smbConf.resolveSibling(smbConf.getFileName() + ".tgcryptfs-new");
        Files.writeString(candidate, "include = " + include + "\n" + original);
        Testparm.Verdict verdict = Testparm.check(candidate);
        if (!verdict.ok()) {
            Files.deleteIfExists(candidate);
            throw new IOException("testparm -s rejects " + smbConf + " with the include; left it unchanged:\n"
                    + verdict.output().strip());
        }
        Path backup = smbConf.resolveSibling(smbConf.getFileName() + ".before-tgcryptfs");
        if (!Files.exists(backup)) {
            Files.copy(smbConf, backup, StandardCopyOption.COPY_ATTRIBUTES);
        }
        Files.move(candidate, smbConf, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return Outcome.ADDED;
    }
}
