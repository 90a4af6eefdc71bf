/**
 * What the engine reports, behind the {@link io.tgcryptfs.metrics.Metrics} interface ({@code NONE} for
 * tests and commands without metrics).
 *
 * <p><b>What enters:</b> FUSE call latencies by op, uploaded/downloaded bytes, retries by cause, integrity
 * failures, sealed chunks (plain and stored bytes, dedup), plaintext cache hits, and named gauges as
 * {@code LongSupplier}s (dirty bytes, outbox bytes, cache bytes).
 *
 * <p><b>What leaves:</b> with {@link io.tgcryptfs.metrics.KamonMetrics}, a Prometheus scrape endpoint
 * ({@code http://HOST:PORT/metrics}, Kamon's embedded server); metric names are listed there and in
 * {@code docs/operations.md}.
 *
 * <p><b>May import:</b> {@code java.*}, {@code com.typesafe.config}, and in {@code KamonMetrics} only,
 * {@code kamon.*} and the Scala standard library it needs. This is the only package importing kamon.
 */
package io.tgcryptfs.metrics;
