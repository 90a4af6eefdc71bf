package io.tgcryptfs.meta.lmdb;

import org.lmdbjava.Env;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Read transactions kept reset between reads and renewed for the next one. Beginning a read transaction
 * in lmdbjava allocates its buffers and masks its flags with a stream: a tenth of a random 4 KiB read's
 * time, where renewing a reset one takes a reader slot again and nothing else. The environment runs with
 * {@code MDB_NOTLS}, so a transaction may be renewed on any thread. A reset transaction pins no snapshot:
 * keeping it costs a reader slot, and at most {@value #KEPT} are kept.
 */
final class ReadTxnPool {
    static final int KEPT = 32;

    private final Env<ByteBuffer> env;
    private final ConcurrentLinkedDeque<Txn<ByteBuffer>> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger idleCount = new AtomicInteger();

    ReadTxnPool(Env<ByteBuffer> env) {
        this.env = env;
    }

    /** A read transaction on the newest committed state. */
    Txn<ByteBuffer> take() {
        Txn<ByteBuffer> txn = idle.pollFirst();
        if (txn == null) {
            return env.txnRead();
        }
        idleCount.decrementAndGet();
        try {
            txn.renew();
            return txn;
        } catch (LmdbException e) {
            txn.close();
            throw e;
        }
    }

    /** Gives back a transaction {@link #take} returned, whatever the read did with it. */
    void give(Txn<ByteBuffer> txn) {
        try {
            txn.reset();
        } catch (LmdbException e) {
            txn.close();
            return;
        }
        if (idleCount.incrementAndGet() <= KEPT) {
            idle.offerFirst(txn);
        } else {
            idleCount.decrementAndGet();
            txn.close();
        }
    }

    /** Closes the kept transactions; the environment closes after this. */
    void closeAll() {
        Txn<ByteBuffer> txn;
        while ((txn = idle.pollFirst()) != null) {
            idleCount.decrementAndGet();
            txn.close();
        }
    }
}
