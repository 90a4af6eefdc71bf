package io.tgcryptfs.gateway;

import io.tgcryptfs.chunk.ChunkStore;
import io.tgcryptfs.testing.Await;
import io.tgcryptfs.testing.FixtureOptions;
import io.tgcryptfs.testing.VolumeFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What becomes of bytes not sealed yet when their file is closed or deleted. Blocks never go cold here
 * (expiry of ten minutes), so every seal seen is one a close or a flush asked for.
 */
class UnsealedAtCloseAndDeleteTest extends VolumeFixture {
    private static final int BS = 4096;
    private static final int BAND = 4 * BS;

    UnsealedAtCloseAndDeleteTest() {
        super(77);
    }

    @BeforeEach
    void open() {
        openVolume(FixtureOptions.defaults().blockSize(BS).bandSize(BAND)
                .dirtyExpiry(Duration.ofMinutes(10)).uploads(false));
    }

    /** 100 bytes into each of {@code blocks}: partial blocks, which an fsync journals rather than seals. */
    private void writePartialBlocks(long handle, long... blocks) {
        for (long b : blocks) {
            gw.write(handle, b * BS + 10, bytes(100));
        }
    }

    private boolean stored(long ino, long block) {
        return vol.stores.meta.read(r -> r.block(ino, block)).isPresent();
    }

    @Test
    void close_sealsWhatNoFsyncJournaled_andLeavesJournaledBlocksToGoCold() {
        byte[] journaled = bytes(100);
        byte[] notJournaled = bytes(100);
        long h = gw.create("/f", 0644, Caller.ROOT);
        gw.write(h, 10, journaled);
        gw.fsync(h);
        gw.write(h, BS + 10, notJournaled);
        long ino = gw.getattr(h).ino();
        gw.release(h);

        Await.until(Await.DEFAULT, () -> stored(ino, 1), () -> "the block no fsync journaled is sealed at close");
        assertFalse(stored(ino, 0), "the journaled block waits to be cold");
        assertTrue(vol.budget.dirtyBytes() > 0);
        byte[] expected = new byte[BS + 110];
        System.arraycopy(journaled, 0, expected, 10, 100);
        System.arraycopy(notJournaled, 0, expected, BS + 10, 100);
        assertArrayEquals(expected, vol.readFile("/f"));

        gw.syncAll();
        assertTrue(stored(ino, 0), "a sync seals it");
        assertEquals(Long.MAX_VALUE, vol.ctx.journal().oldestLive());
    }

    @Test
    void renamingOverAFile_dropsItsUnsealedBytes_withoutSealingThem() {
        long old = gw.create("/token", 0644, Caller.ROOT);
        writePartialBlocks(old, 0, 2, 5); // in two bands; partial blocks stay dirty through an fsync
        gw.fsync(old);
        gw.release(old);
        byte[] fresh = bytes(50);
        long h = gw.create("/token.tmp", 0644, Caller.ROOT);
        gw.write(h, 0, fresh);
        gw.fsync(h);
        gw.release(h);
        assertEquals(4L * BS, vol.budget.dirtyBytes(), "both files' blocks are dirty before the rename");

        gw.rename("/token.tmp", "/token");

        // only the new token's block is left: one block in memory, every record of the old one dead
        Await.until(Await.DEFAULT, () -> vol.budget.dirtyBytes() <= BS,
                () -> "the replaced file's blocks are dropped; dirty bytes " + vol.budget.dirtyBytes());
        assertFalse(vol.stores.outbox.hasOpenPack(), "nothing of the replaced file was sealed");
        assertArrayEquals(fresh, vol.readFile("/token"));
        gw.syncAll();
        assertEquals(Long.MAX_VALUE, vol.ctx.journal().oldestLive(), "no record of the dropped blocks stays live");
        assertEquals(50, vol.stores.counter(ChunkStore.LOGICAL_BYTES), "only the new token was ever stored");
    }

    @Test
    void unlinkWhileOpen_keepsTheBytes_untilTheLastClose_thenDropsThem() {
        long h = gw.create("/doomed", 0644, Caller.ROOT);
        writePartialBlocks(h, 0, 1, 2);
        gw.fsync(h);
        byte[] data = gw.read(h, 0, 3 * BS);
        gw.unlink("/doomed");
        assertArrayEquals(data, gw.read(h, 0, 3 * BS), "still readable through the open handle");
        assertEquals(3L * BS, vol.budget.dirtyBytes());

        gw.release(h);

        Await.until(Await.DEFAULT, () -> vol.budget.dirtyBytes() == 0,
                () -> "dropped at the last close; dirty bytes " + vol.budget.dirtyBytes());
        assertFalse(vol.stores.outbox.hasOpenPack(), "nothing was sealed");
    }
}
