package io.tgcryptfs.chunk;

import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.fs.PackId;
import io.tgcryptfs.meta.ChunkRecord;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.PackPages;
import io.tgcryptfs.meta.PackRecord;
import io.tgcryptfs.meta.PackState;

import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * Garbage collection of packs, in two steps the caller separates by publishing restore points:
 * <ol>
 *   <li>{@link #compact}: the still-referenced chunks of mostly dead uploaded packs are copied, sealed
 *   bytes as they are (their AEAD binds the chunk id, not the location), into new packs; each chunk
 *   record moves in its own transaction, re-read inside it, so concurrent dedup increments and
 *   releases are kept. A pack with no chunk left becomes RETIRED.</li>
 *   <li>{@link #deleteRetired}: once no kept restore point can mention them (the caller knows), retired
 *   packs are deleted from the backend, the cache and LMDB.</li>
 * </ol>
 */
public final class PackCompactor {
    private final MetaStore meta;
    private final Outbox outbox;
    private final PackCache cache;

    public PackCompactor(MetaStore meta, Outbox outbox, PackCache cache) {
        this.meta = meta;
        this.outbox = outbox;
        this.cache = cache;
    }

    /** What one compaction did. */
    public record Result(int packsRetired, int chunksMoved, long bytesMoved, long bytesFreed) {
    }

    /**
     * Retires uploaded packs whose live bytes are below {@code minLiveRatio} of their size, until about
     * {@code maxBytes} of live chunks were copied (the pack being compacted is finished).
     */
    public Result compact(double minLiveRatio, long maxBytes, Consumer<String> progress) {
        int retired = 0;
        int moved = 0;
        long bytesMoved = 0;
        long bytesFreed = 0;
        for (PackRecord pack : PackPages.of(meta, PackState.UPLOADED)) {
            if (pack.size() == 0 || pack.liveBytes() >= minLiveRatio * pack.size()) {
                continue;
            }
            if (bytesMoved >= maxBytes) {
                progress.accept("stopping at the per-pass limit; the next pass goes on");
                break;
            }
            for (ChunkRecord chunk : meta.read(r -> r.chunksInPack(pack.id()))) {
                byte[] sealed = cache.read(pack.id(), chunk.offset(), chunk.sealedLength());
                ChunkLocation to = outbox.append(chunk.id(), sealed, chunk.plainLength());
                if (move(chunk, to)) {
                    moved++;
                    bytesMoved += chunk.sealedLength();
                }
            }
            boolean empty = meta.write(w -> {
                if (!w.chunksInPack(pack.id()).isEmpty()) {
                    return false;
                }
                w.pack(pack.id()).ifPresent(p -> w.putPack(p.withState(PackState.RETIRED).withLiveBytes(0)));
                return true;
            });
            if (empty) {
                retired++;
                bytesFreed += pack.size();
                progress.accept(String.format("retired pack %s (%.0f%% live)", pack.id(), 100.0 * pack.liveBytes() / pack.size()));
            }
        }
        return new Result(retired, moved, bytesMoved, bytesFreed);
    }

    /** Points the chunk at its copy, unless it changed meanwhile (then the copy is dead bytes). */
    private boolean move(ChunkRecord was, ChunkLocation to) {
        return meta.write(w -> {
            ChunkRecord current = w.chunk(was.id()).orElse(null);
            if (current == null || !current.pack().equals(was.pack()) || current.offset() != was.offset()) {
                return false;
            }
            w.putChunk(new ChunkRecord(current.id(), to.pack(), to.offset(), to.sealedLength(), current.plainLength(),
                    current.refcount()));
            w.pack(was.pack()).ifPresent(p -> w.putPack(p.withLiveBytes(Math.max(0, p.liveBytes() - was.sealedLength()))));
            w.pack(to.pack()).ifPresent(p -> w.putPack(p.withLiveBytes(p.liveBytes() + to.sealedLength())));
            return true;
        });
    }

    /** The packs retired so far. */
    public List<PackId> retired() {
        return meta.read(r -> r.packs(PackState.RETIRED)).stream().map(PackRecord::id).toList();
    }

    /** Deletes a backend object (through the caller's retry policy). */
    @FunctionalInterface
    public interface RemoteDelete {
        void delete(String ref) throws BackendException, InterruptedException;
    }

    /** Deletes the given retired packs everywhere. Returns how many went. */
    public int deleteRetired(List<PackId> packs, RemoteDelete backend) throws BackendException, IOException, InterruptedException {
        int deleted = 0;
        for (PackId id : packs) {
            PackRecord pack = meta.read(r -> r.pack(id)).orElse(null);
            if (pack == null || pack.state() != PackState.RETIRED) {
                continue;
            }
            if (pack.remoteRef() != null) {
                backend.delete(pack.remoteRef());
            }
            cache.discard(id);
            meta.write(w -> {
                w.deletePack(id);
                return null;
            });
            deleted++;
        }
        return deleted;
    }
}
