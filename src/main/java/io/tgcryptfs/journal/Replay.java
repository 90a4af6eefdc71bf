package io.tgcryptfs.journal;

import io.tgcryptfs.chunk.ChunkStore;
import io.tgcryptfs.crypto.MetadataCipher;
import io.tgcryptfs.fs.LocalFiles;
import io.tgcryptfs.meta.MetaStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Start-up after a crash: every journal record no seal covers is laid over its stored block and sealed,
 * in journal order (for each block that is sequence order: fsyncs of a file append one at a time), before
 * the volume serves anything; then the journal and the marks go. A record of
 * an inode that no longer exists, or of a block at or past the file's size (a truncate that came
 * later), is dropped by the seal itself.
 */
public final class Replay {
    private static final Logger log = LoggerFactory.getLogger(Replay.class);

    private Replay() {
    }

    /** Returns how many records were applied. */
    public static int run(Path dir, MetaStore meta, MetadataCipher cipher, ChunkStore chunks, Runnable makeDurable)
            throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        List<Path> segments;
        try (Stream<Path> files = Files.list(dir)) {
            segments = files.filter(p -> p.getFileName().toString().endsWith(".wal")).sorted().toList();
        }
        int[] applied = {0};
        for (Path segment : segments) {
            JournalSegment.read(segment, cipher, record -> {
                if (apply(record, meta, chunks)) {
                    applied[0]++;
                }
            }, problem -> log.warn("journal: {}", problem));
        }
        makeDurable.run();
        for (Path segment : segments) {
            Files.deleteIfExists(segment);
        }
        LocalFiles.forceDirectory(dir); // gone for good before the marks that cover them go
        WriteJournal.clearMarks(meta);
        makeDurable.run();
        if (applied[0] > 0) {
            log.info("replayed {} fsync'd writes from the journal after an unclean stop", applied[0]);
        }
        return applied[0];
    }

    private static boolean apply(JournalRecord record, MetaStore meta, ChunkStore chunks) {
        WriteJournal.BlockKey key = new WriteJournal.BlockKey(record.ino(), record.block());
        long mark = meta.read(r -> r.local(WriteJournal.markName(key)).map(v -> ByteBuffer.wrap(v).getLong()).orElse(0L));
        boolean exists = meta.read(r -> r.inode(record.ino()).isPresent());
        if (record.sequence() <= mark || !exists) {
            return false;
        }
        byte[] block = chunks.loadBlock(record.ino(), record.block());
        record.applyTo(block);
        chunks.seal(record.ino(), record.block(), block);
        return true;
    }
}
