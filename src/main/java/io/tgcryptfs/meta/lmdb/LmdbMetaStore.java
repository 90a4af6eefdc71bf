package io.tgcryptfs.meta.lmdb;

import io.tgcryptfs.fs.FsError;
import io.tgcryptfs.fs.FsException;
import io.tgcryptfs.meta.MetaReader;
import io.tgcryptfs.meta.MetaStore;
import io.tgcryptfs.meta.MetaWriter;
import org.lmdbjava.ByteBufferProxy;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.EnvInfo;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * The metadata store on LMDB: one environment in a directory, one database whose keys carry a table
 * prefix (layout in {@link Keys}), values in {@link Codecs}.
 *
 * <p><b>Durability.</b> The environment is opened with {@code MDB_NOSYNC}: a commit hands its pages to
 * the OS but does not fsync, so metadata operations cost no disk flush each. {@link #sync()} is the
 * explicit durability point, and the filesystem's fsync/fsyncdir/unmount call it (as does
 * {@link #close()}). A process crash loses nothing that was committed; a power loss or kernel crash
 * may lose the transactions since the last {@code sync()}. Because {@code MDB_WRITEMAP} is not used,
 * LMDB keeps atomicity and consistency on filesystems that preserve write order.
 *
 * <p><b>Concurrency.</b> {@code MDB_NOTLS} ties read transactions to no thread, so any number of
 * {@link #read} calls run concurrently from any threads, each on its own snapshot, alongside one
 * {@link #write}. LMDB serializes writers itself: a second writer blocks until the first commits or
 * aborts. At most {@value #MAX_READERS} reads may be open at once (more fail with {@code IO}), so
 * callers bound their read parallelism. A write function must not start another write on the same thread (that would wait on
 * itself); this is rejected with {@link IllegalStateException}. A read inside a write is fine but does
 * not see the enclosing write's uncommitted changes.
 *
 * <p><b>Errors.</b> A full map is {@code FsException(NO_SPACE)}; the failed write is aborted and the
 * store stays usable. Other LMDB failures are {@code FsException(IO)}. Exceptions thrown by the
 * caller's function abort the transaction and are rethrown as they are.
 */
public final class LmdbMetaStore implements MetaStore {
    static final String DB_NAME = "tgcryptfs";
    static final int MAX_READERS = 256;
    static final long FORMAT = 1;
    private static final int FILE_MODE = 0600;
    private static final String DATA_FILE = "data.mdb";
    private static final String FORMAT_KEY = "format";
    private static final int FORGET_BATCH = 50_000;

    private final Path directory;
    private final Env<ByteBuffer> env;
    private final Dbi<ByteBuffer> dbi;
    private final ReadTxnPool readTxns;
    /** read()/write() hold the shared side, close() the exclusive side: the env never closes under a txn. */
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final ThreadLocal<Boolean> writing = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private volatile boolean closed;
    /** Commits so far, and how many of them the last sync covered: a sync with nothing new is skipped. */
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong synced = new AtomicLong();
    private volatile java.util.function.Consumer<Runnable> syncOrder = Runnable::run;
    private final boolean syncEveryCommit;
    private static final Runnable NOTHING = () -> { };

    private LmdbMetaStore(Path directory, Env<ByteBuffer> env, Dbi<ByteBuffer> dbi, boolean syncEveryCommit) {
        this.syncEveryCommit = syncEveryCommit;
        this.directory = directory;
        this.env = env;
        this.dbi = dbi;
        this.readTxns = new ReadTxnPool(env);
    }

    /**
     * Opens (creating if missing) the store in {@code directory}. {@code mapSizeBytes} is the most the
     * metadata may grow to; the file grows only as pages are used.
     */
    public static LmdbMetaStore open(Path directory, long mapSizeBytes) {
        return open(directory, mapSizeBytes, false);
    }

    /**
     * With {@code syncEveryCommit}: {@code MDB_NOMETASYNC} instead of {@code MDB_NOSYNC} (each commit
     * flushes its data pages before writing its meta page, so no partial writeback can leave a meta page
     * pointing at pages that are not on disk), and the sync order runs before each write transaction
     * begins, so the pack bytes a commit names are forced before it.
     */
    public static LmdbMetaStore open(Path directory, long mapSizeBytes, boolean syncEveryCommit) {
        if (mapSizeBytes <= 0) {
            throw new IllegalArgumentException("map size must be positive: " + mapSizeBytes);
        }
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new FsException(FsError.IO, "cannot create metadata directory " + directory, e);
        }
        Env<ByteBuffer> env;
        try {
            env = Env.create(ByteBufferProxy.PROXY_OPTIMAL)
                    .setMapSize(mapSizeBytes)
                    .setMaxDbs(1)
                    .setMaxReaders(MAX_READERS)
                    .open(directory.toFile(), FILE_MODE,
                            syncEveryCommit ? EnvFlags.MDB_NOMETASYNC : EnvFlags.MDB_NOSYNC, EnvFlags.MDB_NOTLS);
        } catch (LmdbException e) {
            throw LmdbErrors.translate(e);
        }
        try {
            env.readerCheck(); // clear reader slots left by a crashed process
            Dbi<ByteBuffer> dbi = env.openDbi(DB_NAME, DbiFlags.MDB_CREATE);
            LmdbMetaStore store = new LmdbMetaStore(directory, env, dbi, syncEveryCommit);
            store.checkFormat();
            return store;
        } catch (LmdbException e) {
            env.close();
            throw LmdbErrors.translate(e);
        } catch (RuntimeException e) {
            env.close();
            throw e;
        }
    }

    private void checkFormat() {
        write(w -> {
            TxnWriter writer = (TxnWriter) w;
            byte[] key = Keys.volume(FORMAT_KEY);
            byte[] stored = writer.get(key);
            if (stored == null) {
                writer.put(key, Codecs.encodeLong(FORMAT));
            } else if (Codecs.decodeLong(stored) != FORMAT) {
                throw new FsException(FsError.INTEGRITY, "metadata in " + directory + " has format "
                        + Codecs.decodeLong(stored) + ", this version reads format " + FORMAT);
            }
            return null;
        });
    }

    @Override
    public <T> T read(Function<MetaReader, T> fn) {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            Txn<ByteBuffer> txn;
            try {
                txn = readTxns.take();
            } catch (LmdbException e) {
                throw LmdbErrors.translate(e);
            }
            try {
                return fn.apply(new TxnReader(txn, dbi));
            } finally {
                readTxns.give(txn);
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    @Override
    public <T> T write(Function<MetaWriter, T> fn) {
        return write(true, fn);
    }

    private <T> T write(boolean markChanges, Function<MetaWriter, T> fn) {
        if (writing.get()) {
            throw new IllegalStateException("write() called inside write() on the same thread");
        }
        if (syncEveryCommit) {
            syncOrder.accept(NOTHING); // what this commit may name (pack bytes appended before it) is forced
        }
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            Txn<ByteBuffer> txn = begin(true);
            writing.set(Boolean.TRUE);
            try (txn) {
                T result = fn.apply(new TxnWriter(txn, dbi, markChanges));
                txn.commit();
                commits.incrementAndGet();
                return result;
            } catch (LmdbException e) {
                throw LmdbErrors.translate(e, directory);
            } finally {
                // closing an uncommitted transaction aborts it
                writing.set(Boolean.FALSE);
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private Txn<ByteBuffer> begin(boolean write) {
        try {
            return write ? env.txnWrite() : env.txnRead();
        } catch (LmdbException e) {
            throw LmdbErrors.translate(e);
        }
    }

    @Override
    public void sync() {
        // the order's lock first, then the lifecycle lock (as writes take them): no lock-order inversion
        syncOrder.accept(() -> {
            lifecycle.readLock().lock();
            try {
                ensureOpen();
                // an fsync of a file whose writes are all in the write journal finds nothing committed
                // since the last sync, and a disk cache flush costs a fifth of a millisecond here
                long covered = commits.get();
                if (covered != synced.get()) {
                    env.sync(true);
                    synced.accumulateAndGet(covered, Math::max);
                }
            } catch (LmdbException e) {
                throw LmdbErrors.translate(e);
            } finally {
                lifecycle.readLock().unlock();
            }
        });
    }

    @Override
    public void setSyncOrder(java.util.function.Consumer<Runnable> order) {
        this.syncOrder = order;
    }

    @Override
    public <T> T capture(CaptureFunction<T> fn) throws IOException {
        sync(); // a capture must never ship a commit that a power loss could still take back locally
        long generation = write(w -> {
            TxnWriter writer = (TxnWriter) w;
            long current = writer.generation();
            writer.putLocal(TxnWriter.GENERATION, Codecs.encodeLong(current + 1));
            return current;
        });
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            Txn<ByteBuffer> txn = begin(false);
            try (txn) {
                return fn.apply(new CaptureReader(txn, dbi, generation));
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    @Override
    public void forgetChanges(long generation) {
        byte[] prefix = Keys.changedPrefix();
        byte[] end = Keys.changedAfter(generation);
        // in bounded transactions, so a large checkpoint does not hold the writer lock for long
        boolean more = true;
        while (more) {
            more = write(w -> {
                TxnWriter writer = (TxnWriter) w;
                java.util.List<byte[]> batch = new java.util.ArrayList<>();
                writer.scanKeys(prefix, prefix, (key, none) -> {
                    if (java.util.Arrays.compareUnsigned(key, end) >= 0) {
                        return false;
                    }
                    batch.add(key);
                    return batch.size() < FORGET_BATCH;
                });
                batch.forEach(writer::delete);
                return batch.size() == FORGET_BATCH;
            });
        }
    }

    @Override
    public void apply(java.util.List<io.tgcryptfs.meta.MetaRecord> records) {
        write(false, w -> {
            TxnWriter writer = (TxnWriter) w;
            for (io.tgcryptfs.meta.MetaRecord r : records) {
                if (!Keys.replicated(r.key())) {
                    throw new FsException(FsError.INTEGRITY, "a shipped metadata record names a local key");
                }
                if (r.deleted()) {
                    writer.delete(r.key());
                } else {
                    writer.put(r.key(), r.value());
                }
            }
            return null;
        });
    }

    @Override
    public long usedBytes() {
        try {
            return Files.size(directory.resolve(DATA_FILE));
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            lifecycle.readLock().lock();
            try {
                ensureOpen();
                EnvInfo info = env.info();
                return (info.lastPageNumber + 1) * env.stat().pageSize;
            } catch (LmdbException le) {
                throw LmdbErrors.translate(le);
            } finally {
                lifecycle.readLock().unlock();
            }
        }
    }

    /** Syncs and closes the environment; waits for running transactions; later calls do nothing. */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            readTxns.closeAll();
            try {
                env.sync(true);
            } finally {
                env.close();
            }
        } catch (LmdbException e) {
            throw LmdbErrors.translate(e);
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new FsException(FsError.IO, "metadata store is closed");
        }
    }
}
