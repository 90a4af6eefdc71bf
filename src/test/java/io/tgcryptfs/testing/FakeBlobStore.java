package io.tgcryptfs.testing;

import io.tgcryptfs.backend.BackendException;
import io.tgcryptfs.backend.BlobStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * An in-memory backend for failure injection: scripted failures for the next puts, or a failure on
 * every put until {@link #accept()}. Counts put attempts and successful puts per object name.
 */
public final class FakeBlobStore implements BlobStore {
    private static final String REF_PREFIX = "ref-";

    private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> stored = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Supplier<BackendException>> scripted = new ConcurrentLinkedQueue<>();
    private final AtomicInteger putAttempts = new AtomicInteger();
    private final AtomicInteger gets = new AtomicInteger();
    private final ConcurrentLinkedQueue<Supplier<BackendException>> scriptedRoots = new ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicLong bytesStored = new java.util.concurrent.atomic.AtomicLong();
    private final AtomicInteger rootPuts = new AtomicInteger();
    private volatile Supplier<BackendException> always;
    private volatile byte[] root;

    public static Supplier<BackendException> transientFailure() {
        return () -> BackendException.transientFailure("fake: connection reset", null);
    }

    public static Supplier<BackendException> rateLimited(Duration retryAfter) {
        return () -> BackendException.rateLimited("fake: 429 too many requests", retryAfter);
    }

    public static Supplier<BackendException> permanent(String message) {
        return () -> BackendException.permanent(message);
    }

    /** The next puts fail with these, in order. */
    @SafeVarargs
    public final void failNext(Supplier<BackendException>... failures) {
        for (Supplier<BackendException> f : failures) {
            scripted.add(f);
        }
    }

    /** The next root record replacements fail with these, in order. */
    @SafeVarargs
    public final void failNextRoots(Supplier<BackendException>... failures) {
        for (Supplier<BackendException> f : failures) {
            scriptedRoots.add(f);
        }
    }

    /** Every put fails with {@code failure} until {@link #accept()}. */
    public void failAlways(Supplier<BackendException> failure) {
        always = failure;
    }

    public void accept() {
        always = null;
    }

    @Override
    public String put(String name, Path file) throws BackendException {
        putAttempts.incrementAndGet();
        Supplier<BackendException> next = scripted.poll();
        if (next != null) {
            throw next.get();
        }
        Supplier<BackendException> failing = always;
        if (failing != null) {
            throw failing.get();
        }
        try {
            byte[] bytes = Files.readAllBytes(file);
            objects.put(name, bytes);
            bytesStored.addAndGet(bytes.length);
        } catch (IOException e) {
            throw BackendException.transientFailure("fake: cannot read " + file, e);
        }
        stored.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
        return REF_PREFIX + name;
    }

    @Override
    public void get(String ref, Path target) throws BackendException {
        gets.incrementAndGet();
        byte[] bytes = ref.startsWith(REF_PREFIX) ? objects.get(ref.substring(REF_PREFIX.length())) : null;
        if (bytes == null) {
            throw BackendException.notFound("fake: no object " + ref);
        }
        try {
            Files.write(target, bytes);
        } catch (IOException e) {
            throw BackendException.transientFailure("fake: cannot write " + target, e);
        }
    }

    @Override
    public void delete(String ref) {
        if (ref.startsWith(REF_PREFIX)) {
            objects.remove(ref.substring(REF_PREFIX.length()));
        }
    }

    @Override
    public Optional<byte[]> getRoot() {
        return Optional.ofNullable(root);
    }

    @Override
    public void putRoot(byte[] newRoot) throws BackendException {
        Supplier<BackendException> next = scriptedRoots.poll();
        if (next != null) {
            throw next.get();
        }
        rootPuts.incrementAndGet();
        root = newRoot.clone();
    }

    /** Bytes of every successful put so far. */
    public long bytesStored() {
        return bytesStored.get();
    }

    /** Successful root record replacements so far. */
    public int rootPuts() {
        return rootPuts.get();
    }

    /** Names of the objects stored now. */
    public java.util.Set<String> objectNames() {
        return new java.util.TreeSet<>(objects.keySet());
    }

    @Override
    public long maxObjectBytes() {
        return 1L << 30;
    }

    @Override
    public void close() {
    }

    public int putAttempts() {
        return putAttempts.get();
    }

    public int gets() {
        return gets.get();
    }

    /** How many times {@code name} was stored successfully. */
    public int storedCount(String name) {
        AtomicInteger n = stored.get(name);
        return n == null ? 0 : n.get();
    }

    public Map<String, Integer> storedCounts() {
        Map<String, Integer> out = new java.util.TreeMap<>();
        stored.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    public Optional<byte[]> object(String name) {
        return Optional.ofNullable(objects.get(name));
    }
}
