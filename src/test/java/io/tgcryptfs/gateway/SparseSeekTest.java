package io.tgcryptfs.gateway;

import io.tgcryptfs.engine.BandKey;
import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.testing.FixtureOptions;
import io.tgcryptfs.testing.VolumeFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.tgcryptfs.gateway.FsGatewayFileDataTest.assertFsError;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** SEEK_DATA and SEEK_HOLE through the gateway: blocks of 4 KiB, stored ones data, absent ones holes. */
class SparseSeekTest extends VolumeFixture {
    private static final int BS = 4096;
    private static final long SIZE = 64L * BS;

    SparseSeekTest() {
        super(11);
    }

    @BeforeEach
    void open() {
        openVolume(FixtureOptions.defaults().blockSize(BS).bandSize(4 * BS).dirtyExpiry(Duration.ofMinutes(10)));
    }

    /** Data in blocks 0, 1 and 40 (the rest of block 40 zeros), size 64 blocks, sealed and closed. */
    private long sparseFile() {
        long h = gw.create("/img", 0644, Caller.ROOT);
        gw.write(h, 0, bytes(2 * BS));
        gw.write(h, 40L * BS + 100, bytes(10));
        gw.truncate("/img", SIZE);
        gw.release(h);
        gw.syncAll();
        return gw.getattr("/img").ino();
    }

    @Test
    void aClosedFile_showsItsStoredBlocksAsData_andTheRestAsHoles() {
        long ino = sparseFile();
        long h = gw.open("/img", false);
        assertEquals(0, gw.byInode().seek(ino, 0, true));
        assertEquals(100, gw.byInode().seek(ino, 100, true), "inside data: the offset itself");
        assertEquals(2 * BS, gw.byInode().seek(ino, 0, false), "the hole after blocks 0 and 1");
        assertEquals(40L * BS, gw.byInode().seek(ino, 2 * BS, true));
        assertEquals(3L * BS, gw.byInode().seek(ino, 3 * BS, false), "inside a hole: the offset itself");
        assertEquals(41L * BS, gw.byInode().seek(ino, 40L * BS + 5, false));
        assertFsError(FsError.PAST_THE_END, () -> gw.byInode().seek(ino, 41L * BS, true));
        assertFsError(FsError.PAST_THE_END, () -> gw.byInode().seek(ino, SIZE, false));
        gw.release(h);
    }

    @Test
    void whileAHandleMayWrite_theCallIsDeclined() {
        long ino = sparseFile();
        long writer = gw.open("/img", true);
        // the kernel may hold writes past the size known here: EINVAL, and callers read the file whole
        assertFsError(FsError.INVALID, () -> gw.byInode().seek(ino, 10L * BS, true));
        assertFsError(FsError.INVALID, () -> gw.byInode().seek(ino, SIZE + BS, false));
        gw.release(writer);
        assertEquals(40L * BS, gw.byInode().seek(ino, 10L * BS, true), "exact again once it is released");
    }

    @Test
    void bytesNotSealedYet_makeTheWholeFileData() {
        long ino = sparseFile();
        BandKey band = new BandKey(ino, 5); // a write on its way there: the block map does not show it yet
        vol.ctx.dirtyRegions().handedOver(band);
        assertEquals(10L * BS, gw.byInode().seek(ino, 10L * BS, true));
        assertEquals(SIZE, gw.byInode().seek(ino, 0, false));
        vol.ctx.dirtyRegions().applied(band);
        assertEquals(40L * BS, gw.byInode().seek(ino, 10L * BS, true));
    }
}
