package io.tgcryptfs.engine;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DirtyBudgetTest {
    /** Pressure signals and wake-ups of waiting writes: counted afresh in each test, as JUnit makes an instance per test. */
    private final AtomicInteger pressure = new AtomicInteger();
    private final AtomicInteger woken = new AtomicInteger();

    /** A budget of four blocks, all of them reserved, whose pressure signals {@link #pressure} counts. */
    private DirtyBudget fullBudget() {
        DirtyBudget budget = new DirtyBudget(4 * 4096, 4096);
        budget.onPressure(pressure::incrementAndGet);
        assertTrue(budget.tryReserve(4 * 4096L, () -> { }));
        return budget;
    }

    @Test
    void reserve_withinTheBudget_succeeds_andCountsBytes() {
        DirtyBudget budget = new DirtyBudget(8 * 4096, 4096);
        assertTrue(budget.tryReserve(5 * 4096L, () -> { }));
        assertTrue(budget.tryReserve(3 * 4096L, () -> { }));
        assertEquals(8 * 4096, budget.dirtyBytes());
    }

    @Test
    void reserve_overTheBudget_waits_signalsPressure_andIsWokenByARelease() {
        DirtyBudget budget = fullBudget();
        assertFalse(budget.tryReserve(4096, woken::incrementAndGet));
        assertEquals(1, pressure.get());
        assertEquals(0, woken.get());

        budget.release(4096);
        assertEquals(1, woken.get());
        assertEquals(3 * 4096, budget.dirtyBytes());

        assertTrue(budget.tryReserve(4096, () -> { }));
        assertFalse(budget.tryReserve(4096, () -> { }));
        assertEquals(2, pressure.get(), "a new shortage signals again");
    }

    @Test
    void reserve_secondWaiterWhilePressureIsSignalled_waitsToo_andBothAreWoken() {
        DirtyBudget budget = fullBudget();
        assertFalse(budget.tryReserve(4096, woken::incrementAndGet));
        assertFalse(budget.tryReserve(4096, woken::incrementAndGet));
        assertEquals(1, pressure.get(), "one pressure signal per shortage");

        budget.release(4096);
        assertEquals(2, woken.get(), "every waiter is told");
    }

    @Test
    void writesWait_whileMoreThanAnEighthOfTheBudgetIsBeingSealed_withoutPressure_untilTheSealersCatchUp() {
        DirtyBudget budget = new DirtyBudget(64 * 4096, 4096); // the sealers' share: 8 blocks
        budget.onPressure(pressure::incrementAndGet);
        assertTrue(budget.tryReserve(16 * 4096L, () -> { }));
        budget.sealStarted(8 * 4096L);
        assertTrue(budget.tryReserve(4096, () -> { }), "at the share, writes go on");

        budget.sealStarted(4096);
        assertFalse(budget.tryReserve(4096, woken::incrementAndGet));
        assertEquals(0, pressure.get(), "sealing more would not help: no pressure");
        budget.release(4096);
        assertEquals(0, woken.get(), "room alone does not wake it while the sealers are behind");

        budget.sealEnded(4096);
        assertEquals(1, woken.get());
        assertTrue(budget.tryReserve(4096, () -> { }));
    }

    @Test
    void reserve_whenNothingIsReserved_alwaysSucceeds_soAHugeWriteCannotWaitForever() {
        DirtyBudget budget = new DirtyBudget(4 * 4096, 4096);
        assertTrue(budget.tryReserve(100 * 4096L, () -> { }));
    }

    @Test
    void budget_isAtLeastFourBlocks_soAWriteAcrossBlocksFits() {
        DirtyBudget budget = new DirtyBudget(1, 4096);
        assertTrue(budget.tryReserve(2 * 4096L, () -> { }));
        assertTrue(budget.tryReserve(2 * 4096L, () -> { }));
        assertFalse(budget.tryReserve(4096, () -> { }));
    }

    @Test
    void release_neverGoesBelowZero() {
        DirtyBudget budget = new DirtyBudget(4 * 4096, 4096);
        budget.release(3 * 4096L);
        assertEquals(0, budget.dirtyBytes());
    }

    @Test
    void waitedNanos_countsTheTimeAnyWriteWaitedForRoom_includingAWaitUnderWay() {
        DirtyBudget budget = new DirtyBudget(4 * 4096, 4096);
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(1_000);
        budget.timeWaitsWith(now::get);
        assertTrue(budget.tryReserve(4 * 4096L, () -> { }));
        assertFalse(budget.tryReserve(4096, () -> { }));
        now.addAndGet(300);
        assertFalse(budget.tryReserve(4096, () -> { }), "a second waiter during the same wait");
        now.addAndGet(200);
        assertEquals(500, budget.waitedNanos(), "the wait under way counts");
        budget.release(4096);
        now.addAndGet(10_000);
        assertEquals(500, budget.waitedNanos(), "no waiter, no waiting");
    }
}
