package io.tgcryptfs.volume;

import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.backup.RestorePoints;
import io.tgcryptfs.chunk.ChunkStore;
import io.tgcryptfs.chunk.Outbox;
import io.tgcryptfs.chunk.PackCache;
import io.tgcryptfs.config.Settings;
import io.tgcryptfs.crypto.VolumeHeader;
import io.tgcryptfs.crypto.VolumeKeys;
import io.tgcryptfs.gateway.FsGateway;
import io.tgcryptfs.journal.WriteJournal;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.pipeline.UploadPipeline;
import org.apache.pekko.actor.typed.ActorSystem;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What {@link VolumeStartup} wired for one open volume (after the settings and backend it was given, in
 * the order it built them): {@link Volume} serves from it, {@link VolumeStatus} reports on it and
 * {@link VolumeShutdown} takes it apart.
 */
record VolumeParts(
        Settings settings,
        BlobStore backend,
        FileChannel lockChannel,
        FileLock lock,
        VolumeHeader header,
        VolumeKeys keys,
        MetaStore meta,
        Outbox outbox,
        PackCache packCache,
        ChunkStore chunks,
        WriteJournal journal,
        ActorSystem<Void> system,
        ExecutorService uploadThreads,
        UploadPipeline uploads,
        FsGateway gateway,
        RestorePoints points,
        GarbageCollector garbage,
        BackendSync backendSync,
        ScheduledExecutorService gcThread) {
}
