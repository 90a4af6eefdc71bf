package io.tgcryptfs.engine;

import io.tgcryptfs.chunk.BlockGeometry;
import io.tgcryptfs.chunk.ChunkStore;
import io.tgcryptfs.fs.Timestamp;
import io.tgcryptfs.meta.MetaStore;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * What the actors share: stores, the blocking executor for LMDB and chunk work, the dirty budget and
 * the injected clocks ({@code clock} for file times, {@code nanoTime} for ages and idleness), and the
 * marks of files whose size or times vouch for bytes not yet backed ({@code unbacked}, over
 * {@code dirtyRegions}).
 */
public record EngineContext(
        MetaStore meta,
        ChunkStore chunks,
        BlockGeometry geometry,
        DirtyBudget budget,
        DirtyRegions dirtyRegions,
        Executor blocking,
        Clock clock,
        LongSupplier nanoTime,
        SealPolicy sealPolicy,
        Duration passivateAfter,
        io.tgcryptfs.journal.WriteJournal journal,
        UnbackedFiles unbacked) {

    public Timestamp now() {
        return Timestamp.of(clock.instant());
    }
}
