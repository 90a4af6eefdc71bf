/**
 * The actors (Pekko Typed): who may change what, one message at a time.
 *
 * <p><b>What enters:</b> commands from the gateway, told (writes) or asked with a timeout and answered with
 * {@link io.tgcryptfs.engine.FsResult} (a value or an {@code FsError}; exceptions never cross an actor
 * boundary), and the shared {@link io.tgcryptfs.engine.EngineContext} (metadata store, chunk store, block
 * geometry, dirty budget, blocking executor, injected clocks).
 *
 * <p><b>What leaves:</b> replies, LMDB transactions and sealed blocks handed to {@code chunk}.
 *
 * <p><b>Roles:</b> {@link io.tgcryptfs.engine.Namespace} (not an actor: it runs on the caller's thread)
 * owns every name and link-count change (create, link, unlink, rename, rmdir, purge of released orphans),
 * each in one LMDB transaction; {@link io.tgcryptfs.engine.OpenFiles} tells it which inodes are open.
 * {@link io.tgcryptfs.engine.InodeAttributes} (not an actor either) changes size, mode, owner, times and
 * xattrs, each in one transaction; {@link io.tgcryptfs.engine.OpenInode} (one per inode being truncated)
 * serializes truncates. {@link io.tgcryptfs.engine.Band} (one per active (inode, band)) owns that region's dirty blocks:
 * writes land as overlays (never waiting for a download), blocks are sealed on the blocking executor when
 * full, on flush, on expiry or under budget pressure, and results come back as messages.
 * {@link io.tgcryptfs.engine.EntityRegistry} spawns inode and band actors on demand and passivates idle
 * ones with a handshake that loses no message. {@link io.tgcryptfs.engine.DirtyBudget} bounds unsealed
 * data globally; a band that cannot reserve room stashes its writes (backpressure, never an error).
 *
 * <p><b>May import:</b> {@code java.*}, {@code org.apache.pekko.actor.typed}, {@code io.tgcryptfs.fs},
 * {@code io.tgcryptfs.meta} (the port) and {@code io.tgcryptfs.chunk}. Not FUSE, not the gateway, not
 * backends.
 */
package io.tgcryptfs.engine;
