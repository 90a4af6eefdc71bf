package io.tgcryptfs.engine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WriteRunTest {
    private static final int K128 = 128 << 10;
    private static final long BAND = 8L << 20;

    @Test
    void sequentialWrites_becomeAStream_onlyOncePastOneMiB() {
        WriteRun run = new WriteRun(BAND, 2 * BAND);
        long at = BAND + 4096;
        for (int i = 0; i < 8; i++, at += K128) {
            assertFalse(run.streaming(at, K128), "write " + i + " ends the run at " + (i + 1) * 128 + " KiB");
        }
        assertTrue(run.streaming(at, K128), "the ninth 128 KiB write takes the run past 1 MiB");
    }

    @Test
    void aWriteAtTheBandsStart_continuesAStreamFromTheBandBefore() {
        assertTrue(new WriteRun(BAND, 2 * BAND).streaming(BAND, K128));
    }

    @Test
    void aRandomWriteOfOneMiB_inRequestsOf128KiB_isNoStream_andAJumpStartsANewRun() {
        WriteRun run = new WriteRun(BAND, 2 * BAND);
        long at = BAND + (3 << 20);
        for (int i = 0; i < 8; i++, at += K128) {
            assertFalse(run.streaming(at, K128));
        }
        assertFalse(run.streaming(BAND + (1 << 20), K128), "a write elsewhere starts over");
    }

    @Test
    void inASmallBand_halfTheBandIsAStream() {
        long small = 1 << 20;
        WriteRun run = new WriteRun(small, 2 * small);
        assertFalse(run.streaming(small + 4096, 256 << 10));
        assertFalse(run.streaming(small + 4096 + (256 << 10), 256 << 10), "512 KiB is half of a 1 MiB band");
        assertTrue(run.streaming(small + 4096 + (512 << 10), 256 << 10), "768 KiB is past half");
    }

    @Test
    void requestsOfAStreamOutOfOrder_areAStreamOnceTheyJoinPastOneMiB() {
        // the kernel's writeback: 1 MiB requests at page offsets, several in flight, landing in any order
        WriteRun run = new WriteRun(BAND, 2 * BAND);
        long base = BAND + 4096;
        assertFalse(run.streaming(base + (2 << 20), 1 << 20), "alone: 1 MiB is no stream yet");
        assertFalse(run.streaming(base + (4 << 20), 1 << 20), "another alone, not touching the first");
        assertTrue(run.streaming(base + (1 << 20), 1 << 20), "joins the first: 2 MiB");
        assertTrue(run.streaming(base + (3 << 20), 1 << 20), "fills the gap: all three one run");
    }

    @Test
    void eightRequestsOfOneMiBInFlight_inInterleavedPieces_areAStreamOnceTheyJoin() {
        // a 1 GiB dd through the writeback cache, as one band received it: 1 MiB requests A-H (one per
        // MiB of the band), each handed over as four 256 KiB pieces, the first pieces of all eight first
        WriteRun run = new WriteRun(BAND, 2 * BAND);
        int[][] arrivals = { // {request, piece}
            {0, 0}, {0, 1}, {0, 2}, {0, 3}, {1, 0}, {2, 0}, {3, 0}, {4, 0}, {5, 0}, {6, 0}, {7, 0}, {7, 1},
            {7, 2}, {7, 3}, {1, 1}, {1, 2}, {1, 3}, {2, 1}, {2, 2}, {2, 3}, {3, 1}, {3, 2}, {4, 1}, {4, 2},
            {5, 1}, {6, 1}, {3, 3}, {4, 3}, {5, 2}, {5, 3}, {6, 2}, {6, 3}};
        int last = arrivals.length - 1;
        boolean[] streaming = new boolean[arrivals.length];
        for (int i = 0; i <= last; i++) {
            long offset = BAND + ((long) arrivals[i][0] << 20) + ((long) arrivals[i][1] << 18);
            streaming[i] = run.streaming(offset, 256 << 10);
        }
        assertTrue(streaming[16], "B's last piece joins A-B to C's first: 2.25 MiB");
        for (int i = 26; i <= last; i++) {
            assertTrue(streaming[i], "piece " + i + " continues the run from the band's start");
        }
    }

    @Test
    void aWriteInsideARun_endsIt_soAFileCopiedInOnceIsNoStreamWhenWrittenAtRandom() {
        WriteRun run = new WriteRun(BAND, 2 * BAND);
        long at = BAND + 4096;
        for (int i = 0; i < 16; i++, at += K128) {
            run.streaming(at, K128);
        }
        assertFalse(run.streaming(BAND + (1 << 20), 4096), "a rewrite inside the 2 MiB run");
        assertFalse(run.streaming(at, 4096), "continuing where the old run ended: that run is over");
        assertFalse(run.streaming(BAND + (1 << 20) + 4096, 4096), "next to the rewrite: 8 KiB");
    }

    @Test
    void randomWritesThatOverlap_doNotJoin() {
        WriteRun run = new WriteRun(BAND, 2 * BAND);
        long at = BAND + (2 << 20);
        assertFalse(run.streaming(at, 768 << 10));
        assertFalse(run.streaming(at + (512 << 10), 768 << 10), "overlaps the first by 256 KiB: no 1.25 MiB run");
        assertFalse(run.streaming(at - (512 << 10), 512 << 10), "the first run ended there: 512 KiB alone");
        assertTrue(run.streaming(at + (1280 << 10), 300 << 10), "the second goes on: 1,068 KiB");
    }

    @Test
    void onlyTheLastFewRunsAreRemembered() {
        WriteRun run = new WriteRun(BAND, 2 * BAND);
        long first = BAND + 4096;
        assertFalse(run.streaming(first, 768 << 10));
        for (int i = 1; i <= WriteRun.RUNS; i++) {
            assertFalse(run.streaming(first + i * (2L << 20), 4096), "runs elsewhere, each apart");
        }
        assertFalse(run.streaming(first + (768 << 10), 512 << 10), "the first run was forgotten: 512 KiB alone");
    }
}
