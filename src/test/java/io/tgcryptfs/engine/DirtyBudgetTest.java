package io.tgcryptfs.engine;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DirtyBudgetTest {
    @Test
    void reserve_withinTheBudget_succeeds_andCountsBytes() {
        DirtyBudget budget = new DirtyBudget(8 * 4096, 4096);
        assertTrue(budget.tryReserve(5, () -> { }));
        assertTrue(budget.tryReserve(3, () -> { }));
        assertEquals(8 * 4096, budget.dirtyBytes());
    }

    @Test
    void reserve_overTheBudget_waits_signalsPressure_andIsWokenByARelease() {
        DirtyBudget budget = new DirtyBudget(4 * 4096, 4096);
        AtomicInteger pressure = new AtomicInteger();
        AtomicInteger woken = new AtomicInteger();
        budget.onPressure(pressure::incrementAndGet);
        assertTrue(budget.tryReserve(4, () -> { }));
        assertFalse(budget.tryReserve(1, woken::incrementAndGet));
        assertEquals(1, pressure.get());
        assertEquals(0, woken.get());

        budget.release(1);
        assertEquals(1, woken.get());
        assertEquals(3 * 4096, budget.dirtyBytes());

        assertTrue(budget.tryReserve(1, () -> { }));
        assertFalse(budget.tryReserve(1, () -> { }));
        assertEquals(2, pressure.get(), "a new shortage signals again");
    }

    @Test
    void reserve_secondWaiterWhilePressureIsSignalled_waitsToo_andBothAreWoken() {
        DirtyBudget budget = new DirtyBudget(4 * 4096, 4096);
        AtomicInteger pressure = new AtomicInteger();
        AtomicInteger woken = new AtomicInteger();
        budget.onPressure(pressure::incrementAndGet);
        assertTrue(budget.tryReserve(4, () -> { }));
        assertFalse(budget.tryReserve(1, woken::incrementAndGet));
        assertFalse(budget.tryReserve(1, woken::incrementAndGet));
        assertEquals(1, pressure.get(), "one pressure signal per shortage");

        budget.release(1);
        assertEquals(2, woken.get(), "every waiter is told");
    }

    @Test
    void reserve_whenNothingIsReserved_alwaysSucceeds_soAHugeWriteCannotWaitForever() {
        DirtyBudget budget = new DirtyBudget(4 * 4096, 4096);
        assertTrue(budget.tryReserve(100, () -> { }));
    }

    @Test
    void budget_isAtLeastFourBlocks() {
        DirtyBudget budget = new DirtyBudget(1, 4096);
        assertTrue(budget.tryReserve(2, () -> { }));
        assertTrue(budget.tryReserve(2, () -> { }));
        assertFalse(budget.tryReserve(1, () -> { }));
    }

    @Test
    void release_neverGoesBelowZero() {
        DirtyBudget budget = new DirtyBudget(4 * 4096, 4096);
        budget.release(3);
        assertEquals(0, budget.dirtyBytes());
    }

    @Test
    void waitedNanos_countsTheTimeAnyWriteWaitedForRoom_includingAWaitUnderWay() {
        DirtyBudget budget = new DirtyBudget(4 * 4096, 4096);
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(1_000);
        budget.timeWaitsWith(now::get);
        assertTrue(budget.tryReserve(4, () -> { }));
        assertFalse(budget.tryReserve(1, () -> { }));
        now.addAndGet(300);
        assertFalse(budget.tryReserve(1, () -> { }), "a second waiter during the same wait");
        now.addAndGet(200);
        assertEquals(500, budget.waitedNanos(), "the wait under way counts");
        budget.release(1);
        now.addAndGet(10_000);
        assertEquals(500, budget.waitedNanos(), "no waiter, no waiting");
    }
}
