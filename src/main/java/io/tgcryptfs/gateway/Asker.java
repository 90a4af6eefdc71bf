package io.tgcryptfs.gateway;

import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.japi.function.Function;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks actors and waits for the answer on the calling (FUSE) thread: the gateway's one blocking point.
 * An answer that does not come in time is {@link FsError#TIMED_OUT}, an interrupted wait {@link FsError#IO}.
 */
final class Asker {
    private final ActorSystem<?> system;

    Asker(ActorSystem<?> system) {
        this.system = system;
    }

    <Q, R> CompletableFuture<R> ask(RecipientRef<Q> target, Function<ActorRef<R>, Q> question, Duration limit) {
        return AskPattern.ask(target, question, limit, system.scheduler()).toCompletableFuture();
    }

    <R> R await(CompletableFuture<R> future, Duration limit) {
        try {
            return future.get(limit.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FsException(FsError.IO, "interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TimeoutException) {
                throw new FsException(FsError.TIMED_OUT, "no answer within " + limit.toSeconds() + " s");
            }
            if (e.getCause() instanceof FsException fe) {
                throw fe;
            }
            throw new FsException(FsError.IO, String.valueOf(e.getCause()), e.getCause());
        } catch (TimeoutException e) {
            throw new FsException(FsError.TIMED_OUT, "no answer within " + limit.toSeconds() + " s");
        }
    }
}
