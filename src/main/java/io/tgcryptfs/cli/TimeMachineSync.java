package io.tgcryptfs.cli;

import io.tgcryptfs.timemachine.BundleSync;
import io.tgcryptfs.timemachine.SparseBundle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "sync", mixinStandardHelpOptions = true,
        description = "Copy a local sparse bundle into DIR (normally in the mount), only the bands that changed. "
                + "Shows progress; safe to interrupt and run again; keeps extended attributes and hard links.")
final class TimeMachineSync implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SRC.sparsebundle", description = "The local sparse bundle.")
    Path source;

    @Parameters(index = "1", paramLabel = "DIR", description = "Where its copy lives: DIR/<name>.sparsebundle.")
    Path dir;

    @Override
    public Integer call() throws IOException {
        try {
            SparseBundle.at(source).summary(); // refuse anything that is not a sparse bundle before writing
        } catch (IOException e) {
            throw new CliException("not a sparse bundle: " + source + " (" + e.getMessage() + ")");
        }
        if (!Files.isDirectory(dir)) {
            throw new CliException("no such directory: " + dir);
        }
        Path target = dir.resolve(source.toAbsolutePath().normalize().getFileName());
        System.out.println("syncing " + source + " -> " + target);
        CopyProgress progress = new CopyProgress(System.out, System.console() != null);
        boolean root = "root".equals(System.getProperty("user.name"));
        BundleSync.Report r = new BundleSync(source, target, progress, root).run();
        progress.finish();
        System.out.printf("copied %d files (%.1f MiB written), %d unchanged, %d deleted, %d hard links made%n",
                r.filesCopied(), r.bytesCopied() / 1048576.0, r.filesUnchanged(), r.deleted(), r.linked());
        return 0;
    }
}
