package io.tgcryptfs.cli;

import io.tgcryptfs.config.Settings;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.PackState;
import io.tgcryptfs.meta.lmdb.LmdbMetaStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "cache", mixinStandardHelpOptions = true,
        description = "Manage the local pack cache. `cache clear` (volume not mounted) drops every cached pack "
                + "the backend has confirmed, so the next reads come from the backend.")
final class CacheCommand implements Callable<Integer> {
    @Mixin
    VolumeOptions options;

    @Parameters(paramLabel = "ACTION", description = "clear")
    String action;

    @Override
    public Integer call() throws Exception {
        if (!"clear".equals(action)) {
            throw new CliException("unknown cache action '" + action + "' (try: clear)");
        }
        Settings settings = options.settings();
        Path lockFile = settings.stateDir().resolve("lock");
        if (!Files.exists(settings.metaDir())) {
            throw new CliException("no volume in " + settings.stateDir());
        }
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = ch.tryLock()) {
            if (lock == null) {
                throw new CliException("the volume is mounted; unmount it first");
            }
            long freed = 0;
            int packs = 0;
            try (MetaStore meta = LmdbMetaStore.open(settings.metaDir(), settings.metadataMapSize());
                 Stream<Path> files = Files.list(settings.cacheDir())) {
                for (Path f : files.toList()) {
                    String name = f.getFileName().toString();
                    if (!name.endsWith(".pack")) {
                        continue;
                    }
                    var id = io.tgcryptfs.fs.PackId.parse(name.substring(0, name.length() - 5));
                    boolean confirmed = meta.read(r -> r.pack(id)).map(p -> p.state() == PackState.UPLOADED).orElse(true);
                    if (confirmed) {
                        freed += Files.size(f);
                        Files.delete(f);
                        packs++;
                    }
                }
            } catch (java.nio.file.NoSuchFileException e) {
                // no cache directory yet: nothing to clear
            }
            System.out.printf("dropped %d cached packs (%.1f MiB)%n", packs, freed / 1048576.0);
            return 0;
        }
    }

}
