#!/usr/bin/env bash
# Time Machine-like small random writes: WRITES (default 5000) random 4 KiB writes into a 256 MiB file
# with an fsync every 100, into a plain directory and through tgcryptfs mounts with each block size in
# BLOCK_SIZES (default "1MiB 256KiB 64KiB"), all in the same run. Prints writes/s and the ratio to the
# plain directory. Needs root (mount), python3 and a built target/tgcryptfs.jar.
set -euo pipefail
cd "$(dirname "$0")/../.."
WRITES=${WRITES:-5000}
BLOCK_SIZES=${BLOCK_SIZES:-"1MiB 256KiB 64KiB"}
JAR=target/tgcryptfs.jar
[ -f "$JAR" ] || mvn -B -q -DskipTests package

work=$(mktemp -d /var/tmp/tgcryptfs-randwrite.XXXXXX)
mnt="$work/mnt"
mkdir -p "$mnt" "$work/plain"
pid=""
cleanup() {
  if grep -q " $mnt " /proc/self/mountinfo; then fusermount -u "$mnt" || umount -l "$mnt" || true; fi
  [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

rate() { # file -> writes per second
  python3 - "$1" "$WRITES" <<'PY'
import os, sys, time, random
path, n = sys.argv[1], int(sys.argv[2]); size = 256 << 20
fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644); os.ftruncate(fd, size)
rnd = random.Random(1); buf = os.urandom(4096); t = time.time()
for i in range(n):
    os.pwrite(fd, buf, rnd.randrange(size // 4096) * 4096)
    if i % 100 == 99: os.fsync(fd)
os.fsync(fd); os.close(fd); print(f"{n / (time.time() - t):.0f}")
PY
}

plain=$(rate "$work/plain/f")
printf '%-28s %10s %8s\n' "" "writes/s" "ratio"
printf '%-28s %10s %8s\n' "plain directory" "$plain" "1.00"
export TGCRYPTFS_PASSWORD=bench
for bs in $BLOCK_SIZES; do
  export XDG_DATA_HOME="$work/data-$bs"
  java -Dtgcryptfs.volume.block-size="$bs" -Dtgcryptfs.kdf.memory-kib=8192 -Dtgcryptfs.kdf.iterations=1 \
    -jar "$JAR" mount "$mnt" > "$work/mount-$bs.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do grep -q " $mnt " /proc/self/mountinfo && break; sleep 0.2; done
  grep -q " $mnt " /proc/self/mountinfo || { cat "$work/mount-$bs.log"; exit 1; }
  r=$(rate "$mnt/f")
  printf '%-28s %10s %8s\n' "tgcryptfs, $bs blocks" "$r" "$(echo "scale=3; $r / $plain" | bc)"
  fusermount -u "$mnt"
  wait "$pid"; pid=""
done
