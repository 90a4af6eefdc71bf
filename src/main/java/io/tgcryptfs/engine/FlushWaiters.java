package io.tgcryptfs.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The flushes and fsyncs a band owes an answer. Each waits for the block versions that existed, or
 * that it had sealed, when it arrived, not for writes after it. Used on the band's actor only.
 */
final class FlushWaiters {
    private record Waiter(Consumer<FsResult<Done>> reply, Set<DirtyBlock> pending) {
    }

    private final List<Waiter> waiters = new ArrayList<>();

    /** Answers once every one of {@code versions} (an identity set the waiter now owns) is settled. */
    void await(Set<DirtyBlock> versions, Consumer<FsResult<Done>> reply) {
        if (versions.isEmpty()) {
            reply.accept(FsResult.ok(Done.INSTANCE));
        } else {
            waiters.add(new Waiter(reply, versions));
        }
    }

    /** {@code version} will not change again (sealed, or dropped with its file): who waited only for it is done. */
    void settled(DirtyBlock version) {
        waiters.removeIf(w -> {
            w.pending().remove(version);
            if (w.pending().isEmpty()) {
                w.reply().accept(FsResult.ok(Done.INSTANCE));
                return true;
            }
            return false;
        });
    }

    /** A seal failed: everyone waiting hears it, since the failed version is dirty again. */
    void failAll(FsResult<Done> failure) {
        waiters.forEach(w -> w.reply().accept(failure));
        waiters.clear();
    }

    boolean isEmpty() {
        return waiters.isEmpty();
    }
}
