#!/usr/bin/env bash
# Sequential write and read of SIZE_MIB (default 1024) through a tgcryptfs mount (local backend,
# heap capped with -Xmx512m) and through a plain directory on the same disk, measured in the same run.
# Prints MB/s for both and the ratio. Needs root (mount, drop_caches) and a built target/tgcryptfs.jar.
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE_MIB=${SIZE_MIB:-1024}
HEAP=${HEAP:-512m}
JAR=target/tgcryptfs.jar
[ -f "$JAR" ] || mvn -B -q -DskipTests package

work=$(mktemp -d /var/tmp/tgcryptfs-bench.XXXXXX)
mnt="$work/mnt"; plain="$work/plain"; src="$work/source.bin"
mkdir -p "$mnt" "$plain"
pid=""
cleanup() {
  if grep -q " $mnt " /proc/self/mountinfo; then fusermount -u "$mnt" || umount -l "$mnt" || true; fi
  [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "preparing ${SIZE_MIB} MiB of random data"
head -c "$((SIZE_MIB << 20))" /dev/urandom > "$src"

now() { date +%s%N; }
mbps() { echo "scale=1; $SIZE_MIB * 1048576 * 1000 / ($2 - $1)" | bc; }
drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }

measure() { # dir -> "write_mbps read_mbps"
  local dir=$1
  drop_caches
  local t0; t0=$(now)
  dd if="$src" of="$dir/file.bin" bs=1M conv=fsync status=none
  local t1; t1=$(now)
  drop_caches
  local t2; t2=$(now)
  dd if="$dir/file.bin" of=/dev/null bs=1M status=none
  local t3; t3=$(now)
  cmp -s "$src" "$dir/file.bin" || { echo "content mismatch in $dir" >&2; exit 1; }
  echo "$(mbps "$t0" "$t1") $(mbps "$t2" "$t3")"
}

read -r plain_w plain_r < <(measure "$plain")

export XDG_DATA_HOME="$work/data" TGCRYPTFS_PASSWORD=bench
java -Xmx"$HEAP" -Dtgcryptfs.kdf.memory-kib=8192 -Dtgcryptfs.kdf.iterations=1 -jar "$JAR" mount "$mnt" > "$work/mount.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q " $mnt " /proc/self/mountinfo && break; sleep 0.2; done
grep -q " $mnt " /proc/self/mountinfo || { cat "$work/mount.log"; exit 1; }

read -r tg_w tg_r < <(measure "$mnt")
rss_kib=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")

fusermount -u "$mnt"
wait "$pid"; pid=""

printf '%-22s %10s %10s\n' "" "write MB/s" "read MB/s"
printf '%-22s %10s %10s\n' "plain directory" "$plain_w" "$plain_r"
printf '%-22s %10s %10s\n' "tgcryptfs (-Xmx$HEAP)" "$tg_w" "$tg_r"
printf 'ratio tgcryptfs/plain: write %s, read %s\n' \
  "$(echo "scale=2; $tg_w / $plain_w" | bc)" "$(echo "scale=2; $tg_r / $plain_r" | bc)"
printf 'mount process peak RSS: %d MiB\n' "$((rss_kib / 1024))"
