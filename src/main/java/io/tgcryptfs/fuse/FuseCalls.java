package io.tgcryptfs.fuse;

import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.metrics.Metrics;
import jnr.constants.platform.Errno;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.ErrorCodes;

import java.util.concurrent.Callable;

/**
 * Runs each FUSE request at the edge: measured, its error's meaning turned into an errno, and logged
 * only when the error was not one a file system answers every day. The callbacks through libfuse and
 * the requests answered by inode number ({@link ByInodeRequests}) both go through here.
 */
final class FuseCalls {
    private static final Logger log = LoggerFactory.getLogger(FuseCalls.class);

    private final Metrics metrics;

    FuseCalls(Metrics metrics) {
        this.metrics = metrics;
    }

    /** @return what {@code call} returned, or the negative errno of what it threw */
    int run(String op, Callable<Integer> call) {
        long start = System.nanoTime();
        int result = 0;
        try {
            return result = call.call();
        } catch (FsException e) {
            if (!Errnos.expected(e.error())) {
                log.warn("{} failed: {} ({})", op, e.getMessage(), e.error());
            }
            return result = Errnos.of(e.error());
        } catch (Throwable t) {
            log.error("{} failed unexpectedly", op, t);
            return result = -ErrorCodes.EIO();
        } finally {
            // metrics get the errno's name: numbers stay in this adapter
            metrics.fuseCall(op, System.nanoTime() - start, result < 0 ? Errno.valueOf(-result).name() : null);
        }
    }
}
