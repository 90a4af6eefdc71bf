package io.tgcryptfs.cli;

import io.tgcryptfs.timemachine.AvahiService;
import io.tgcryptfs.timemachine.SambaShare;
import io.tgcryptfs.timemachine.Testparm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "share", mixinStandardHelpOptions = true,
        description = "Print (or write) the Samba configuration of a Time Machine share of DIR and the Avahi file "
                + "that advertises it. The configuration is checked with testparm -s when Samba is installed.")
final class TimeMachineShare implements Callable<Integer> {

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "Share name the Mac sees, e.g. TimeMachine.")
    String name;

    @Option(names = "--path", required = true, paramLabel = "DIR", description = "Directory to share, normally in the mount.")
    Path path;

    @Option(names = "--user", paramLabel = "USER",
            description = "The Samba user allowed in (default: the owner of DIR unless that is root; else any Samba user).")
    String user;

    @Option(names = "--max-size", paramLabel = "SIZE", defaultValue = "1T",
            description = "What Time Machine may use before it thins old backups (default: ${DEFAULT-VALUE}).")
    String maxSize;

    @Option(names = "--write", paramLabel = "FILE",
            description = "Write the Samba configuration to FILE (to include from smb.conf) instead of printing it.")
    Path write;

    @Option(names = "--avahi", paramLabel = "FILE",
            description = "Write the Avahi service file to FILE, e.g. /etc/avahi/services/timemachine.service.")
    Path avahi;

    @Override
    public Integer call() throws IOException {
        SambaShare share = share(name, path, Optional.ofNullable(user), maxSize);
        if (write == null) {
            Path scratch = Files.createTempFile("tgcryptfs-share-", ".conf");
            try {
                Files.writeString(scratch, share.configuration());
                validate(scratch);
            } finally {
                Files.deleteIfExists(scratch);
            }
            System.out.print(share.configuration());
        } else {
            writeValidated(share, write);
            System.out.println("wrote " + write + ": add `include = " + write.toAbsolutePath()
                    + "` as the first line of /etc/samba/smb.conf");
        }
        if (avahi == null) {
            if (write == null) {
                System.out.println();
                System.out.println("# ---- Avahi (Bonjour) service file: save as /etc/avahi/services/"
                        + fileName(name) + ".service, or pass --avahi FILE ----");
                System.out.print(AvahiService.forShare(name, 445));
            }
        } else {
            Files.writeString(avahi, AvahiService.forShare(name, 445));
            System.out.println("wrote " + avahi + " (avahi-daemon reads it by itself)");
        }
        return 0;
    }

    /** The share, with the user defaulting to the owner of {@code path} when that is not root. */
    static SambaShare share(String name, Path path, Optional<String> user, String maxSize) {
        Path absolute = path.toAbsolutePath().normalize();
        Optional<String> who = user.isPresent() ? user : ownerUnlessRoot(absolute);
        try {
            return new SambaShare(name, absolute, who, TimeMachineCommand.Create.parseSize(maxSize));
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
    }

    /** Writes the configuration to {@code file} and fails, removing nothing else, if testparm rejects it. */
    static void writeValidated(SambaShare share, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, share.configuration());
        validate(file);
    }

    private static void validate(Path config) throws IOException {
        Testparm.Verdict verdict = Testparm.check(config);
        if (!verdict.installed()) {
            System.err.println("note: testparm is not installed (apt-get install samba); the configuration was not checked");
        } else if (!verdict.ok()) {
            throw new CliException("testparm -s rejects the configuration:\n" + verdict.output().strip());
        }
    }

    private static Optional<String> ownerUnlessRoot(Path dir) {
        try {
            String owner = Files.readAttributes(dir, PosixFileAttributes.class).owner().getName();
            return owner.equals("root") || owner.equals("0") ? Optional.empty() : Optional.of(owner);
        } catch (IOException e) {
            return Optional.empty(); // not there yet: any Samba user, as the printed section says
        }
    }

    static String fileName(String shareName) {
        return shareName.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-");
    }
}
