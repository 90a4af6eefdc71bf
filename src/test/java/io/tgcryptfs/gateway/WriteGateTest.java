package io.tgcryptfs.gateway;

import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WriteGateTest {
    private final AtomicLong nanos = new AtomicLong();
    private final WriteGate gate = new WriteGate(nanos::get);

    @Test
    void sealsBeforeAndAfterClosing_andReopensOnRelease() throws Exception {
        AtomicInteger seals = new AtomicInteger();
        Runnable release = gate.sealAndClose(() -> assertEquals(seals.incrementAndGet() == 2, gate.isClosed()));
        assertEquals(2, seals.get());
        assertTrue(gate.isClosed());
        nanos.addAndGet(1_500_000);
        release.run();
        nanos.addAndGet(7_000_000);
        release.run();
        assertFalse(gate.isClosed());
        assertEquals(1_500_000, gate.heldNanos(), "the time from closing to the first release, counted once");
        gate.leave(gate.enter());
    }

    @Test
    void aSealThatFails_doesNotStopTheCapture() throws Exception {
        Runnable release = gate.sealAndClose(() -> {
            throw new FsException(FsError.INTEGRITY, "block 3 does not authenticate");
        });
        assertTrue(gate.isClosed(), "the point is captured with that block as last sealed");
        release.run();
        assertFalse(gate.isClosed());
    }

    @Test
    void anUnexpectedFailureWithTheGateClosed_reopensIt() {
        AtomicInteger seals = new AtomicInteger();
        assertThrows(IllegalStateException.class, () -> gate.sealAndClose(() -> {
            if (seals.incrementAndGet() == 2) {
                throw new IllegalStateException("bug");
            }
        }));
        assertFalse(gate.isClosed(), "writers must not wait for a capture that failed");
    }
}
