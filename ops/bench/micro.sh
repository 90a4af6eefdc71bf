#!/usr/bin/env bash
# JMH micro-benchmarks of issue 7: seal, open and an LMDB commit batch, each with a baseline measured in
# the same run (raw JDK AES-GCM, memcpy, raw lmdbjava), printed as one table with ratios at the end.
#
#   ops/bench/micro.sh                          # everything, ~4-5 min on 2 cores
#   ops/bench/micro.sh SealBench -p input=incompressible -wi 3 -i 5   # JMH options and a benchmark regex
#
# Builds the main jar (`mvn -DskipTests package` at the repository root: the work tree as it is, edits
# included) unless JAR=/path/to/tgcryptfs.jar is given, copies it into a work directory, builds
# ops/bench/jmh against that copy and runs it. The volumes the benchmarks create (LMDB, outbox packs)
# live in the work directory, on tmpfs (/dev/shm) by default so a pack's fsync does not time the disk;
# BENCH_TMP=/var/tmp measures on disk instead. The work directory is deleted on exit; KEEP_WORK=1 keeps it.
# Needs JDK 17 and Maven; tries Maven offline first, then online (JMH comes from Maven Central).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH_TMP=${BENCH_TMP:-/dev/shm}
[ -d "$BENCH_TMP" ] && [ -w "$BENCH_TMP" ] || BENCH_TMP=/var/tmp
WORK=$(mktemp -d "$BENCH_TMP/tgcryptfs-micro.XXXXXX")
cleanup() {
    if [ "${KEEP_WORK:-0}" = 1 ]; then
        echo "work directory kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mvn_any() { # offline first; online if something is not in ~/.m2 yet. Build output to stderr: stdout is the report
    mvn -B -q -Dstyle.color=never -o "$@" >&2 || mvn -B -q -Dstyle.color=never "$@" >&2
}

JAR_GIVEN=${JAR:-}
if [ -z "${JAR:-}" ]; then
    echo "building tgcryptfs.jar in $ROOT" >&2
    (cd "$ROOT" && mvn_any -DskipTests package)
    JAR=$ROOT/target/tgcryptfs.jar
fi
cp "$JAR" "$WORK/tgcryptfs.jar"

echo "building the benchmarks against $JAR" >&2
mvn_any -f "$ROOT/ops/bench/jmh/pom.xml" -Dtgcryptfs.jar="$WORK/tgcryptfs.jar" package
cp "$ROOT/ops/bench/jmh/target/benchmarks.jar" "$WORK/benchmarks.jar"

ARGS=("$@")
if [ ${#ARGS[@]} -eq 0 ]; then
    ARGS=(-wi 2 -w 1s -i 3 -r 1s -f 1)
fi
if [ -z "${JAR_GIVEN:-}" ] && git -C "$ROOT" rev-parse --short HEAD >/dev/null 2>&1; then
    WHAT="commit $(git -C "$ROOT" rev-parse --short HEAD)"
    git -C "$ROOT" diff --quiet HEAD -- src pom.xml || WHAT="$WHAT + uncommitted changes under src/ or pom.xml"
else
    WHAT="$JAR_GIVEN"
fi
echo "tgcryptfs micro.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $WHAT, JMH ${ARGS[*]}"
# JMH forks inherit these JVM options (java.io.tmpdir included), so every benchmark volume lands in $WORK
cd "$WORK"
java -Djava.io.tmpdir="$WORK" -cp "$WORK/benchmarks.jar:$WORK/tgcryptfs.jar" io.tgcryptfs.bench.Micro "${ARGS[@]}"
