package io.tgcryptfs.volume;

import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.chunk.ChunkStore;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.meta.ChunkRecord;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.PackPages;
import io.tgcryptfs.meta.PackRecord;
import io.tgcryptfs.meta.PackState;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Consumer;

/** `tgcryptfs verify`: reads every stored chunk back and authenticates it. */
final class Verifier {
    private final MetaStore meta;
    private final ChunkStore chunks;
    private final BlobStore backend;
    private final Path scratch;

    Verifier(MetaStore meta, ChunkStore chunks, BlobStore backend, Path scratch) {
        this.meta = meta;
        this.chunks = chunks;
        this.backend = backend;
        this.scratch = scratch;
    }

    /**
     * Authenticates every stored chunk. With {@code fromBackend}, uploaded packs are fetched from the
     * backend into a scratch file, so what is checked is what a restore would get; the local cache is
     * left alone (it may hold the only good copy). Returns the number of damaged chunks.
     */
    long verify(boolean fromBackend, Consumer<String> out) {
        long checked = 0;
        long damaged = 0;
        int packsDone = 0;
        for (PackState state : PackState.values()) {
            for (PackRecord pack : PackPages.of(meta, state)) {
                boolean remote = fromBackend && state == PackState.UPLOADED;
                List<ChunkRecord> records = meta.read(r -> r.chunksInPack(pack.id()));
                try {
                    if (remote) {
                        backend.get(pack.remoteRef(), scratch);
                    }
                    for (ChunkRecord chunk : records) {
                        try {
                            chunks.verify(chunk, remote ? readRange(scratch, chunk) : chunks.sealedBytes(chunk));
                        } catch (FsException e) {
                            damaged++;
                            out.accept("DAMAGED " + (remote ? "on the backend: " : "locally: ") + e.getMessage());
                        }
                        checked++;
                    }
                } catch (BackendException | IOException e) {
                    damaged += records.size();
                    out.accept("DAMAGED pack " + pack.id() + " cannot be read back: " + e.getMessage());
                }
                if (++packsDone % 16 == 0) {
                    out.accept(String.format("checked %d packs, %d chunks", packsDone, checked));
                }
            }
        }
        try {
            Files.deleteIfExists(scratch);
        } catch (IOException ignored) {
            // a stray scratch file is overwritten next time
        }
        out.accept(String.format("checked %d packs, %d chunks: %s", packsDone, checked,
                damaged == 0 ? "all intact" : damaged + " damaged"));
        return damaged;
    }

    private static byte[] readRange(Path file, ChunkRecord chunk) throws IOException {
        byte[] out = new byte[chunk.sealedLength()];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.wrap(out);
            long pos = chunk.offset();
            while (buf.hasRemaining()) {
                int n = ch.read(buf, pos);
                if (n < 0) {
                    break; // a short object: the chunk fails authentication below
                }
                pos += n;
            }
        }
        return out;
    }

}
