package io.tgcryptfs.gateway;

import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WriteGateTest {
    private final WriteGate gate = new WriteGate();

    @Test
    void sealsBeforeAndAfterClosing_andReopensOnRelease() throws Exception {
        AtomicInteger seals = new AtomicInteger();
        Runnable release = gate.sealAndClose(() -> assertEquals(seals.incrementAndGet() == 2, gate.isClosed()));
        assertEquals(2, seals.get());
        assertTrue(gate.isClosed());
        release.run();
        release.run();
        assertFalse(gate.isClosed());
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
