/**
 * What the engine reports, behind the {@link io.tgcryptfs.metrics.Metrics} interface ({@code NONE} for
 * tests and commands without metrics).
 *
 * <p><b>What enters:</b> FUSE call latencies by op and the errno name of failed calls, uploaded/downloaded
 * bytes, retries by cause ({@link io.tgcryptfs.metrics.RetryCauses}), integrity failures, sealed chunks
 * (plain and stored bytes, dedup), plaintext cache hits, named gauges as {@code LongSupplier}s (dirty
 * bytes, outbox bytes and packs, oldest pending pack age, cache bytes, restore point age) and growing
 * nanosecond totals (time writes waited for room).
 *
 * <p><b>What leaves:</b> with {@link io.tgcryptfs.metrics.KamonMetrics}, a Prometheus scrape endpoint
 * ({@code http://HOST:PORT/metrics}, Kamon's embedded server) on which every series of a known label value
 * (FUSE op, errno class, retry cause) exists at zero from the start, plus process and JVM metrics; metric
 * names are listed there and in {@code docs/operations.md}. A taken port is a warning, not a failure
 * ({@code startOrWarn}).
 *
 * <p><b>May import:</b> {@code java.*}, {@code com.typesafe.config}, and in {@code KamonMetrics} only,
 * {@code kamon.*} and the Scala standard library it needs. This is the only package importing kamon.
 */
package io.tgcryptfs.metrics;
