#!/usr/bin/env bash
# Upload utilization benchmark for the Telegram backend, without FUSE: TelegramBlobStore + UploadPipeline
# (wired as in Volume) against the fake Bot API server of the test tree on loopback, which enforces a
# per-chat message rate. For every combination of request latency, pack size and upload.concurrency it
# seals PACKS packs of random data, uploads them and prints one table row: utilization (achieved / allowed
# message rate, from the server's accepted-send timestamps) and bytes per second.
#
# Knobs (environment): RATE (msg/s per chat, default 1.0), CHATS (2), PACKS (packs per run, 20),
# CONCURRENCY ("1,2,4,8"), PACK_MIB ("4,16"), LATENCY_MS (fake per-request latency, "0,1000").
# Needs a JDK 17 and Maven (to build target/tgcryptfs.jar and the test classes once).
set -euo pipefail
cd "$(dirname "$0")/../.."
JAR=target/tgcryptfs.jar
CLASS=target/test-classes/io/tgcryptfs/it/telegram/UploadBenchmark.class
if [ ! -f "$JAR" ] || [ ! -f "$CLASS" ]; then
  mvn -B -q -DskipTests package
fi
exec java --add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED -Xmx1g \
  -Dbench.rate="${RATE:-1.0}" -Dbench.chats="${CHATS:-2}" -Dbench.packs="${PACKS:-20}" \
  -Dbench.concurrency="${CONCURRENCY:-1,2,4,8}" -Dbench.pack-mib="${PACK_MIB:-4,16}" \
  -Dbench.latency-ms="${LATENCY_MS:-0,1000}" \
  -cp "target/test-classes:$JAR" io.tgcryptfs.it.telegram.UploadBenchmark
