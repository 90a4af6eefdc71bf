package io.tgcryptfs.cli;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.tgcryptfs.timemachine.BundleOwner;
import io.tgcryptfs.timemachine.SparseBundle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "timemachine", mixinStandardHelpOptions = true,
        subcommands = {TimeMachineInit.class, TimeMachineShare.class, TimeMachineCommand.Create.class, TimeMachineMount.class,
                TimeMachineSync.class, TimeMachineStatus.class},
        description = "Time Machine destinations on the mount: Samba shares and sparse bundles. "
                + "See docs/timemachine.md for the whole set-up.")
final class TimeMachineCommand implements Runnable {
    @Override
    public void run() {
        // never reached: Main's UsageCheck answers "timemachine" without a command with its usage
        throw new CliException("try: tgcryptfs timemachine --help");
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Write a sparse bundle skeleton (Info.plist, Info.bckup, token, bands/) in DIR, "
                + "normally a directory of the mount. Then on the Mac: hdiutil attach, and "
                + "tmutil setdestination.")
    static final class Create implements Callable<Integer> {
        @Mixin
        VolumeOptions options;

        @Option(names = "--size", required = true, paramLabel = "SIZE", description = "Image size, e.g. 500g or 2t.")
        String size;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "Bundle name (.sparsebundle is added).")
        String name;

        @Option(names = "--owner", paramLabel = "USER[:GROUP]",
                description = "Who may write it, e.g. the Samba user (default: the owner and group of DIR).")
        String owner;

        @Parameters(paramLabel = "DIR", defaultValue = ".", description = "Where to create it (default: here).")
        Path dir;

        @Override
        public Integer call() throws IOException {
            options.settings(); // like every command, a broken --config is reported, not ignored
            long bytes = parseSize(size);
            SparseBundle bundle = createOwned(dir, name, bytes, owner);
            System.out.println("created " + bundle.dir().toAbsolutePath().normalize() + " (" + bytes + " bytes, 8 MiB bands)");
            return 0;
        }

        /**
         * Creates the bundle and hands it to {@code ownerSpec} (or DIR's owner), saying who owns it: a
         * bundle left to root cannot be written by a Samba user, and nothing else would tell.
         */
        static SparseBundle createOwned(Path dir, String name, long bytes, String ownerSpec) throws IOException {
            try {
                BundleOwner owner = ownerSpec == null ? BundleOwner.of(dir) : BundleOwner.parse(ownerSpec, dir);
                SparseBundle bundle = SparseBundle.create(dir, name, bytes / 512 * 512, SparseBundle.DEFAULT_BAND_SIZE);
                owner.applyTo(bundle.dir());
                System.out.println("owner " + owner + ", directories 0770, files 0660");
                if (owner.isRoot()) {
                    System.out.println("note: owned by root, so a Samba user other than root cannot write it;"
                            + " give --owner USER (the Samba user) or chown DIR to that user first");
                }
                return bundle;
            } catch (FileAlreadyExistsException e) {
                throw new CliException(e.getFile() + " already exists");
            } catch (java.nio.file.NoSuchFileException e) {
                throw new CliException("no such directory: " + e.getFile());
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage());
            }
        }

        static long parseSize(String text) {
            try {
                long bytes = ConfigFactory.parseString("s = " + text.strip()).getBytes("s");
                if (bytes <= 0) {
                    throw new CliException("size must be positive");
                }
                return bytes;
            } catch (ConfigException e) {
                throw new CliException("cannot read size '" + text + "' (try 500g or 2t)");
            }
        }
    }
}
