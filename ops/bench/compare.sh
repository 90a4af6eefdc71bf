#!/usr/bin/env bash
# Side-by-side benchmark (issue 7): the same workloads through a plain directory, bindfs, gocryptfs,
# an rclone mount of a crypt remote over a local remote (--vfs-cache-mode full) and tgcryptfs (local
# backend, -Xmx$HEAP), all mounted next to each other in one work directory on the same disk (/var/tmp).
# Every workload runs REPEAT times per filesystem (rounds interleave the filesystems); the table shows
# medians and the ratio tgcryptfs/gocryptfs oriented so that >1 means tgcryptfs is better (rates are
# divided tg/gocryptfs, times gocryptfs/tg). A workload that fails on one filesystem prints "fail" in
# that cell and the run goes on.
#
# gocryptfs_ao is gocryptfs mounted with -allow_other, which a Samba share of it (the Time Machine route)
# needs: smbd serves each user under that user's ids, and FUSE lets no other user in otherwise. gocryptfs
# then adds default_permissions and, running as root, performs each operation under the caller's ids.
# tgcryptfs mounts that way by default when it may (allow-other and default-permissions). The issue's
# targets are against plain gocryptfs (tgcryptfs/gocryptfs); tgcryptfs/gocryptfs_ao is printed beside
# them for the configuration a Time Machine share of either runs in.
#
# Needs root (mounts, drop_caches). Installs from Debian what is missing: gocryptfs rclone bindfs fio
# rsync python3 bc. Measures the committed HEAD: builds tgcryptfs.jar from `git archive HEAD` in the work
# directory (mvn -DskipTests package), so uncommitted edits and a concurrent rebuild of target/ do not leak
# into the numbers; JAR=/path/to/tgcryptfs.jar measures that jar instead (copied into the work directory).
# Nothing talks to the network: rclone gets its own rclone.conf (local + crypt) in the work directory,
# tgcryptfs its own XDG_CONFIG_HOME/XDG_DATA_HOME and the local backend.
#
# Knobs (environment), defaults close to issue 7's table:
#   REPEAT=2           runs per workload and filesystem (median reported)
#   SEQ_MIB=1024       sequential dd write/read size
#   FIO_SIZE=256m      fio file size; FIO_RUNTIME=20 seconds per fio job (time based)
#   FILES=10000        empty files for create / stat (after remount) / unlink
#   TAR_FILES=20000    files in the tar tree (regular files of /usr/share, then /usr/include, then generated)
#   RSYNC_SRC=/usr/include   tree for rsync -a, rsync -a --link-dest, rsync -aHAX --link-dest
#   TM_MIB=256         bytes written by the Time Machine band workload (seed TM_SEED=1)
#   HEAP=512m          tgcryptfs -Xmx
#   FILESYSTEMS="plain bindfs gocryptfs gocryptfs_ao rclone tgcryptfs"   subset to run
#   WORKLOADS="seq fio files tar rsync tm"                   subset to run
#   TM_AMPLIFICATION=1 also measure, on a fresh tgcryptfs volume, backend bytes per byte changed by the
#                      band workload and backend size after gc (issue 7's Time Machine target)
#   CMD_TIMEOUT=3600   seconds before one workload command is killed (then "fail")
#   KEEP_WORK=0        1 keeps the work directory (logs) after the run
#   REPO=<checkout>    the repository to build and name (default: the one holding this script)
{ # the whole script is one compound command: bash parses it before running, so editing this file mid-run is safe
set -uo pipefail
REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$REPO" || exit 1
REPEAT=${REPEAT:-2}
SEQ_MIB=${SEQ_MIB:-1024}
FIO_SIZE=${FIO_SIZE:-256m}
FIO_RUNTIME=${FIO_RUNTIME:-20}
FILES=${FILES:-10000}
TAR_FILES=${TAR_FILES:-20000}
RSYNC_SRC=${RSYNC_SRC:-/usr/include}
TM_MIB=${TM_MIB:-256}
TM_SEED=${TM_SEED:-1}
HEAP=${HEAP:-512m}
FILESYSTEMS=${FILESYSTEMS:-"plain bindfs gocryptfs gocryptfs_ao rclone tgcryptfs"}
WORKLOADS=${WORKLOADS:-"seq fio files tar rsync tm"}
TM_AMPLIFICATION=${TM_AMPLIFICATION:-1}
CMD_TIMEOUT=${CMD_TIMEOUT:-3600}
KEEP_WORK=${KEEP_WORK:-0}
JAR=${JAR:-}

log() { printf '# %s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (mounts, drop_caches)"

# ---------------------------------------------------------------- packages
need=()
for pair in gocryptfs:gocryptfs rclone:rclone bindfs:bindfs fio:fio rsync:rsync python3:python3 bc:bc \
            fusermount:fuse3 timeout:coreutils; do
  command -v "${pair%%:*}" > /dev/null 2>&1 || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing from Debian: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq > /dev/null 2>&1 || log "apt-get update failed"
  for p in "${need[@]}"; do
    apt-get install -y -qq --no-install-recommends "$p" > /dev/null 2>&1 || log "could not install $p"
  done
fi
for t in fio rsync python3 bc timeout; do command -v "$t" > /dev/null || die "$t is missing and could not be installed"; done
avail=()
for fs in $FILESYSTEMS; do
  case $fs in
    plain) avail+=(plain) ;;
    bindfs|gocryptfs|rclone) if command -v "$fs" > /dev/null; then avail+=("$fs"); else log "$fs not available: its column reads n/a"; fi ;;
    gocryptfs_ao) if command -v gocryptfs > /dev/null; then avail+=(gocryptfs_ao); else log "gocryptfs not available: its columns read n/a"; fi ;;
    tgcryptfs) if command -v java > /dev/null; then avail+=(tgcryptfs); else log "java missing: tgcryptfs column reads n/a"; fi ;;
    *) die "unknown filesystem $fs" ;;
  esac
done
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$JAR" ] && { [ -f "$JAR" ] || die "JAR=$JAR does not exist"; JAR=$(realpath "$JAR"); COMMIT="$COMMIT (JAR=$JAR)"; }

# ---------------------------------------------------------------- work directory and cleanup
work=$(mktemp -d /var/tmp/tgcryptfs-compare.XXXXXX)
declare -A DIR PID
PEAK_RSS_KIB=0
PEAK_ANON_KIB=0

is_mounted() { awk -v m="$1" '$5 == m { f = 1 } END { exit !f }' /proc/self/mountinfo; }

unmount_leftovers() { # every mount under the work directory, innermost first
  local m
  for m in $(awk -v w="$work/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
    fusermount -u "$m" 2>/dev/null || { sleep 1; fusermount -u "$m" 2>/dev/null; } || umount -l "$m" 2>/dev/null || true
  done
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  unmount_leftovers
  local p
  for p in "${PID[@]}"; do # mount processes (rclone, tgcryptfs): SIGTERM unmounts and finishes cleanly
    [ -n "$p" ] && kill -0 "$p" 2>/dev/null || continue
    kill "$p" 2>/dev/null
    for _ in $(seq 1 600); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  unmount_leftovers
  if awk -v w="$work/" 'index($5, w) == 1 { f = 1 } END { exit !f }' /proc/self/mountinfo; then
    log "mounts still under $work, not removing it"
  elif [ "$KEEP_WORK" = 1 ]; then
    log "kept $work"
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s%N; }
drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }
T() { timeout -k 10 "$CMD_TIMEOUT" "$@"; }
sample_rss() { # pid
  local k a; k=$(awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null); a=$(awk '/RssAnon/ {print $2}' "/proc/$1/status" 2>/dev/null)
  [ -n "$k" ] && [ "$k" -gt "$PEAK_RSS_KIB" ] && PEAK_RSS_KIB=$k
  [ -n "$a" ] && [ "$a" -gt "$PEAK_ANON_KIB" ] && PEAK_ANON_KIB=$a
  return 0
}

# ---------------------------------------------------------------- tgcryptfs jar
if [[ " ${avail[*]} " == *" tgcryptfs "* ]]; then
  if [ -n "$JAR" ]; then
    cp "$JAR" "$work/tgcryptfs.jar"
  else
    log "building tgcryptfs.jar from commit $COMMIT (git archive HEAD)"
    mkdir -p "$work/build"
    if git -C "$REPO" archive HEAD | tar x -C "$work/build" \
       && (cd "$work/build" && mvn -B -q -DskipTests package > "$work/build.log" 2>&1) \
       && [ -f "$work/build/target/tgcryptfs.jar" ]; then
      cp "$work/build/target/tgcryptfs.jar" "$work/tgcryptfs.jar"
    else
      log "build failed (see $work/build.log): tgcryptfs column reads fail"
    fi
    rm -rf "$work/build"
  fi
  JAR="$work/tgcryptfs.jar"
fi

# ---------------------------------------------------------------- filesystems
PASS=bench-password
printf '%s\n' "$PASS" > "$work/password"
BINDFS_OPTS=""
RCLONE_CONF="$work/rclone.conf"

setup_fs() { # fs -> creates backing store, sets DIR[fs]
  local fs=$1
  case $fs in
    plain) DIR[plain]="$work/plain"; mkdir -p "$work/plain" ;;
    bindfs)
      DIR[bindfs]="$work/bindfs"; mkdir -p "$work/bindfs" "$work/bindfs.back"
      if bindfs -o big_writes "$work/bindfs.back" "$work/bindfs" 2>/dev/null; then
        BINDFS_OPTS="-o big_writes"; fusermount -u "$work/bindfs"
      fi ;;
    gocryptfs)
      DIR[gocryptfs]="$work/gocryptfs"; mkdir -p "$work/gocryptfs" "$work/gocryptfs.cipher"
      gocryptfs -init -q -passfile "$work/password" "$work/gocryptfs.cipher" > "$work/gocryptfs.init.log" 2>&1 ;;
    gocryptfs_ao)
      DIR[gocryptfs_ao]="$work/gocryptfs_ao"; mkdir -p "$work/gocryptfs_ao" "$work/gocryptfs_ao.cipher"
      gocryptfs -init -q -passfile "$work/password" "$work/gocryptfs_ao.cipher" > "$work/gocryptfs_ao.init.log" 2>&1 ;;
    rclone)
      DIR[rclone]="$work/rclone"; mkdir -p "$work/rclone" "$work/rclone.back" "$work/rclone.cache"
      cat > "$RCLONE_CONF" <<EOF || return 1
[bench-local]
type = local

[bench-crypt]
type = crypt
remote = bench-local:$work/rclone.back
password = $(rclone obscure "$PASS")
password2 = $(rclone obscure "$PASS-salt")
EOF
      ;;
    tgcryptfs)
      DIR[tgcryptfs]="$work/tgcryptfs"; mkdir -p "$work/tgcryptfs" "$work/tg-data" "$work/tg-config" ;;
  esac
}

wait_mounted() { # dir pid
  for _ in $(seq 1 300); do
    is_mounted "$1" && return 0
    [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null && return 1
    sleep 0.2
  done
  return 1
}

start_tgcryptfs() { # key mountpoint data-dir log [java options]: PID[key] is the mount process
  local key=$1 m=$2 data=$3 out=$4; shift 4
  XDG_DATA_HOME="$data" XDG_CONFIG_HOME="$work/tg-config" TGCRYPTFS_PASSWORD="$PASS" \
    java -Xmx"$HEAP" -Dtgcryptfs.backend.type=local -Dtgcryptfs.kdf.memory-kib=8192 -Dtgcryptfs.kdf.iterations=1 "$@" \
    -jar "$JAR" mount "$m" >> "$out" 2>&1 &
  PID[$key]=$!
  wait_mounted "$m" "${PID[$key]}"
}

mount_fs() { # fs
  local fs=$1 d=${DIR[$1]}
  [ "$fs" = plain ] && return 0
  is_mounted "$d" && return 0
  if [ -n "${PID[$fs]:-}" ]; then # a previous attempt whose process is still there: end it first
    kill "${PID[$fs]}" 2>/dev/null; wait_exit "${PID[$fs]}"; PID[$fs]=""
  fi
  case $fs in
    bindfs) bindfs $BINDFS_OPTS "$work/bindfs.back" "$d" >> "$work/bindfs.log" 2>&1 ;;
    gocryptfs) gocryptfs -q -nosyslog -passfile "$work/password" "$work/gocryptfs.cipher" "$d" >> "$work/gocryptfs.log" 2>&1 ;;
    gocryptfs_ao) gocryptfs -q -nosyslog -allow_other -passfile "$work/password" "$work/gocryptfs_ao.cipher" "$d" \
                    >> "$work/gocryptfs_ao.log" 2>&1 ;;
    rclone)
      rclone mount bench-crypt: "$d" --config "$RCLONE_CONF" --vfs-cache-mode full --cache-dir "$work/rclone.cache" \
        --log-file "$work/rclone.log" --log-level NOTICE < /dev/null &
      PID[rclone]=$!
      wait_mounted "$d" "${PID[rclone]}" ;;
    tgcryptfs) start_tgcryptfs tgcryptfs "$d" "$work/tg-data" "$work/tgcryptfs.log" ;;
  esac
}

wait_exit() { # pid [sample-rss]: waits for a mount process to finish (tgcryptfs seals and uploads first)
  local p=$1
  for _ in $(seq 1 3600); do
    kill -0 "$p" 2>/dev/null || { wait "$p" 2>/dev/null; return 0; }
    [ -n "${2:-}" ] && sample_rss "$p"
    sleep 0.5
  done
  log "process $p did not exit after unmount; killing it"
  kill "$p" 2>/dev/null; sleep 2; kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null
  return 1
}

umount_fs() { # fs
  local fs=$1 d=${DIR[$1]}
  [ "$fs" = plain ] && return 0
  [ "$fs" = tgcryptfs ] && [ -n "${PID[tgcryptfs]:-}" ] && sample_rss "${PID[tgcryptfs]}"
  if is_mounted "$d"; then
    local ok=1
    for _ in $(seq 1 20); do fusermount -u "$d" 2>/dev/null && { ok=0; break; }; sleep 0.5; done
    [ $ok = 0 ] || { log "$fs: fusermount -u failed, lazy unmount"; umount -l "$d" 2>/dev/null; }
  fi
  case $fs in
    rclone|tgcryptfs)
      if [ -n "${PID[$fs]:-}" ]; then wait_exit "${PID[$fs]}" "$([ "$fs" = tgcryptfs ] && echo rss)"; PID[$fs]=""; fi ;;
  esac
  return 0
}

remount() { # fs: unmount, mount again, drop caches (a plain directory only drops caches)
  umount_fs "$1" && mount_fs "$1"; local rc=$?
  drop_caches
  return $rc
}

# ---------------------------------------------------------------- inputs
FIO_BYTES=$(numfmt --from=iec "${FIO_SIZE^^}") || die "bad FIO_SIZE $FIO_SIZE"
FIO_MIB=$((FIO_BYTES >> 20))
SRC_MIB=$(( SEQ_MIB > FIO_MIB ? SEQ_MIB : FIO_MIB ))
SRC="$work/source.bin"

cat > "$work/files.py" <<'PY'
import os, sys, time
mode, d, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
names = [os.path.join(d, "f%06d" % i) for i in range(n)]
t = time.perf_counter()
if mode == "create":
    for p in names: os.close(os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
elif mode == "stat":
    for p in names: os.stat(p)
else:
    for p in names: os.unlink(p)
print("%.0f" % (n / (time.perf_counter() - t)))
PY

# Time Machine-like band writes: sparse 8 MiB and 64 MiB band files, random 4 KiB-1 MiB pieces (log-uniform,
# 4 KiB aligned, incompressible, not deduplicable), fsync of the touched bands every 4 writes, a token file
# rewritten and renamed into place every 16 writes. Prints MB/s (bytes written / time), seconds, bytes
# written, distinct bytes changed.
cat > "$work/bands.py" <<'PY'
import os, sys, time, random
d, total, seed = sys.argv[1], int(sys.argv[2]) << 20, int(sys.argv[3])
rnd = random.Random(seed)
pool = rnd.randbytes(17 << 20)
bands = [("%s/bands/%x" % (d, i), 8 << 20) for i in range(16)] + [("%s/bands/4%x" % (d, i), 64 << 20) for i in range(4)]
os.makedirs(d + "/bands")
t0 = time.perf_counter()
fds = []
for path, size in bands:
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644); os.ftruncate(fd, size); fds.append(fd)
written = n = 0; pages = set(); dirty = set()
while written < total:
    i = rnd.randrange(len(bands)); bsize = bands[i][1]
    size = 4096 * max(1, min(256, round(2 ** rnd.uniform(0, 8))))
    off = rnd.randrange((bsize - size) // 4096 + 1) * 4096
    start = rnd.randrange(len(pool) - size)
    os.pwrite(fds[i], memoryview(pool)[start:start + size], off)
    written += size; n += 1; dirty.add(i)
    pages.update((i, p) for p in range(off // 4096, (off + size) // 4096))
    if n % 4 == 0:
        for j in dirty: os.fsync(fds[j])
        dirty.clear()
    if n % 16 == 0:
        fd = os.open(d + "/token.tmp", os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o644)
        os.write(fd, b"token %d\n" % n); os.fsync(fd); os.close(fd)
        os.rename(d + "/token.tmp", d + "/token")
for j in dirty: os.fsync(fds[j])
for fd in fds: os.close(fd)
s = time.perf_counter() - t0
print("%.1f %.2f %d %d" % (written / s / 1e6, s, written, len(pages) * 4096))
PY

fio_iops() { # json-file rw -> iops
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print("%.0f" % j["jobs"][0][sys.argv[2]]["iops"])' "$1" "$2"
}

has() { [[ " $WORKLOADS " == *" $1 "* ]]; }

if has seq || has fio; then
  log "preparing ${SRC_MIB} MiB of random data"
  head -c "$((SRC_MIB << 20))" /dev/urandom > "$SRC" || die "cannot write $SRC"
fi
TARBALL="$work/tree.tar"; TAR_DESC=""
if has tar; then
  log "building the tar tree ($TAR_FILES files)"
  { find /usr/share -type f 2>/dev/null | LC_ALL=C sort; find /usr/include -type f 2>/dev/null | LC_ALL=C sort; } \
    | head -n "$TAR_FILES" | sed 's|^/||' > "$work/tree.list"
  have=$(wc -l < "$work/tree.list")
  if [ "$have" -lt "$TAR_FILES" ]; then
    mkdir -p "$work/gen/generated"
    python3 - "$work/gen/generated" "$((TAR_FILES - have))" <<'PY'
import os, sys, random
d, n = sys.argv[1], int(sys.argv[2]); rnd = random.Random(7)
for i in range(n):
    sub = os.path.join(d, "%03d" % (i // 200)); os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, "g%06d.txt" % i), "w") as f: f.write(("line %d\n" % rnd.randrange(10**9)) * rnd.randrange(1, 2000))
PY
  fi
  { tar cf "$TARBALL" -C / -T "$work/tree.list" 2>/dev/null
    [ -d "$work/gen/generated" ] && tar rf "$TARBALL" -C "$work/gen" generated; true; }
  TAR_COUNT=$(tar tf "$TARBALL" | grep -vc '/$')
  TAR_DESC="$TAR_COUNT files, $(( $(stat -c %s "$TARBALL") / 1000000 )) MB"
fi
RSYNC_COUNT=$(find "$RSYNC_SRC" -type f 2>/dev/null | wc -l)

# ---------------------------------------------------------------- workloads
# Each prints "value" or "value note"; a non-zero return is a failure for that cell.
declare -A RES            # key "workload|fs" -> newline-separated results ("fail" or "value[ note]")
LOADS=""                 # 1-minute load average after each result: other work on the machine skews everything
record() { RES["$1|$2"]+="$3"$'\n'; LOADS+="$(cut -d' ' -f1 /proc/loadavg) "; log "$2 $1: $3"; }

ensure() { is_mounted "${DIR[$1]}" || [ "$1" = plain ] || mount_fs "$1"; }

wl_seq() { # fs
  local fs=$1 d=${DIR[$1]} t0 t1
  rm -f "$d/seq.bin"; drop_caches; cat "$SRC" > /dev/null
  t0=$(now)
  if T dd if="$SRC" of="$d/seq.bin" bs=1M count="$SEQ_MIB" conv=fsync status=none; then
    t1=$(now); record seqw "$fs" "$(echo "scale=1; $SEQ_MIB * 1048576 * 1000 / ($t1 - $t0)" | bc)"
  else record seqw "$fs" fail; fi
  if ! remount "$fs"; then record seqr "$fs" fail; return; fi
  t0=$(now)
  if T dd if="$d/seq.bin" of=/dev/null bs=1M status=none; then
    t1=$(now)
    if T cmp -s -n "$((SEQ_MIB << 20))" "$SRC" "$d/seq.bin"; then
      record seqr "$fs" "$(echo "scale=1; $SEQ_MIB * 1048576 * 1000 / ($t1 - $t0)" | bc)"
    else record seqr "$fs" fail; log "$fs: content differs after remount"; fi
  else record seqr "$fs" fail; fi
  rm -f "$d/seq.bin"
}

wl_fio() { # fs
  local fs=$1 d=${DIR[$1]}
  local common=(--filename="$d/fio.dat" --bs=4k --size="$FIO_BYTES" --ioengine=psync --time_based
                --runtime="$FIO_RUNTIME" --output-format=json)
  rm -f "$d/fio.dat"
  if T dd if="$SRC" of="$d/fio.dat" bs=1M count="$FIO_MIB" conv=fsync status=none \
     && T fio --name=randwrite --rw=randwrite --fsync=32 --refill_buffers "${common[@]}" --output="$work/fio-w.json" > /dev/null 2>> "$work/fio.err" \
     && v=$(fio_iops "$work/fio-w.json" write); then
    record randw "$fs" "$v"
  else record randw "$fs" fail; fi
  if [ -f "$d/fio.dat" ] && remount "$fs" \
     && T fio --name=randread --rw=randread "${common[@]}" --output="$work/fio-r.json" > /dev/null 2>> "$work/fio.err" \
     && v=$(fio_iops "$work/fio-r.json" read); then
    record randr "$fs" "$v"
  else record randr "$fs" fail; fi
  rm -f "$d/fio.dat"
}

wl_files() { # fs
  local fs=$1 d=${DIR[$1]} v
  rm -rf "$d/files"; mkdir -p "$d/files" || { record create "$fs" fail; record stat "$fs" fail; record unlink "$fs" fail; return; }
  if v=$(T python3 "$work/files.py" create "$d/files" "$FILES"); then record create "$fs" "$v"; else record create "$fs" fail; fi
  if remount "$fs" && v=$(T python3 "$work/files.py" stat "$d/files" "$FILES"); then record stat "$fs" "$v"; else record stat "$fs" fail; fi
  if v=$(T python3 "$work/files.py" unlink "$d/files" "$FILES"); then record unlink "$fs" "$v"; else record unlink "$fs" fail; fi
  rm -rf "$d/files" 2>/dev/null
}

timed() { # key fs note-if-ok cmd... : records seconds, with "(exit N)" when the command failed but finished
  local key=$1 fs=$2 t0 t1 rc
  shift 2
  t0=$(now); T "$@" > /dev/null 2>> "$work/$key.err"; rc=$?; t1=$(now)
  if [ $rc = 124 ] || [ $rc = 137 ]; then record "$key" "$fs" fail; return 1; fi
  local s; s=$(echo "scale=2; ($t1 - $t0) / 1000000000" | bc)
  if [ $rc = 0 ]; then record "$key" "$fs" "$s"; else record "$key" "$fs" "$s (exit $rc)"; fi
}

wl_tar() {
  local fs=$1 d=${DIR[$1]}
  rm -rf "$d/tar"; mkdir -p "$d/tar" && timed tar "$fs" tar xf "$TARBALL" -C "$d/tar" || true
  T rm -rf "$d/tar" 2>/dev/null
}

links_note() { # copy made with --link-dest -> " no links" / "N/M not linked" when it holds copies
  local total single
  total=$(find "$1" -type f 2>/dev/null | wc -l); single=$(find "$1" -type f -links 1 2>/dev/null | wc -l)
  if [ "$total" -gt 0 ] && [ "$single" = "$total" ]; then echo "no links"
  elif [ "$single" -gt 0 ]; then echo "$single/$total not linked"; fi
}

wl_rsync() {
  local fs=$1 d=${DIR[$1]}
  rm -rf "$d/r1" "$d/r2" "$d/r3"
  timed rsync "$fs" rsync -a "$RSYNC_SRC/" "$d/r1/"
  if timed rsync_ld "$fs" rsync -a --link-dest="$d/r1" "$RSYNC_SRC/" "$d/r2/"; then
    local n; n=$(links_note "$d/r2"); [ -n "$n" ] && annotate rsync_ld "$fs" "$n"
  fi
  if timed rsync_hax "$fs" rsync -aHAX --link-dest="$d/r1" "$RSYNC_SRC/" "$d/r3/"; then
    local n; n=$(links_note "$d/r3"); [ -n "$n" ] && annotate rsync_hax "$fs" "$n"
  fi
  T rm -rf "$d/r1" "$d/r2" "$d/r3" 2>/dev/null
}

annotate() { # key fs note: adds a note to the last result of key|fs
  local k="$1|$2" v; v=${RES[$k]%$'\n'}
  local last=${v##*$'\n'} head=""
  [[ "$v" == *$'\n'* ]] && head="${v%$'\n'*}"$'\n'
  if [[ "$last" == *"("*")" ]]; then last="${last%)}, $3)"; else last="$last ($3)"; fi
  RES[$k]="$head$last"$'\n'
}

wl_tm() {
  local fs=$1 d=${DIR[$1]} out
  rm -rf "$d/tm"; mkdir -p "$d/tm"
  if out=$(T python3 "$work/bands.py" "$d/tm" "$TM_MIB" "$TM_SEED"); then record tm "$fs" "${out%% *}"; else record tm "$fs" fail; fi
  T rm -rf "$d/tm" 2>/dev/null
}

# ---------------------------------------------------------------- run
log "work directory $work; filesystems: ${avail[*]}; workloads: $WORKLOADS; REPEAT=$REPEAT"
for fs in "${avail[@]}"; do
  setup_fs "$fs" || log "$fs: setup failed"
done
START=$(date -u '+%Y-%m-%d %H:%M UTC')
for r in $(seq 1 "$REPEAT"); do
  for fs in "${avail[@]}"; do
    log "round $r/$REPEAT: $fs"
    for w in $WORKLOADS; do
      if ! ensure "$fs"; then
        log "$fs: mount failed"
        case $w in
          seq) record seqw "$fs" fail; record seqr "$fs" fail ;;
          fio) record randw "$fs" fail; record randr "$fs" fail ;;
          files) record create "$fs" fail; record stat "$fs" fail; record unlink "$fs" fail ;;
          rsync) record rsync "$fs" fail; record rsync_ld "$fs" fail; record rsync_hax "$fs" fail ;;
          *) record "$w" "$fs" fail ;;
        esac
        continue
      fi
      "wl_$w" "$fs"
    done
    umount_fs "$fs"
  done
done

# Issue 7's Time Machine target, tgcryptfs only: a fresh volume, the band workload once, unmount (seal,
# upload, publish): backend bytes = bytes uploaded. Then mount again, `tgcryptfs gc` with a retention that
# keeps only the newest restore point (the default keeps every point of the last hour), unmount, measure.
TM_AMP=""
amp_stop() { # unmount the fresh volume and wait for its process
  is_mounted "$amp_mnt" && { fusermount -u "$amp_mnt" 2>/dev/null || { sleep 1; fusermount -u "$amp_mnt"; } || umount -l "$amp_mnt"; }
  [ -n "${PID[amp]:-}" ] && { wait_exit "${PID[amp]}" rss; PID[amp]=""; }
  return 0
}
if has tm && [ "$TM_AMPLIFICATION" = 1 ] && [[ " ${avail[*]} " == *" tgcryptfs "* ]]; then
  log "tgcryptfs: Time Machine upload amplification on a fresh volume"
  amp_mnt="$work/tg-amp"; amp_data="$work/tg-amp-data"; mkdir -p "$amp_mnt" "$amp_data"
  amp_opts=(-Dtgcryptfs.metadata.retention.keep-within=0s -Dtgcryptfs.metadata.retention.keep-hourly=0
            -Dtgcryptfs.metadata.retention.keep-daily=0)
  start_tgcryptfs amp "$amp_mnt" "$amp_data" "$work/tg-amp.log" "${amp_opts[@]}"; rc=$?
  if [ $rc = 0 ] && out=$(T python3 "$work/bands.py" "$amp_mnt/tm" "$TM_MIB" "$TM_SEED"); then
    read -r _ _ tm_written tm_changed <<< "$out"
    sample_rss "${PID[amp]}"; amp_stop
    backend=$(du -sb "$amp_data/tgcryptfs/backend" | awk '{print $1}')
    after=""
    start_tgcryptfs amp "$amp_mnt" "$amp_data" "$work/tg-amp.log" "${amp_opts[@]}"; rc=$?
    if [ $rc = 0 ]; then
      if XDG_DATA_HOME="$amp_data" XDG_CONFIG_HOME="$work/tg-config" TGCRYPTFS_PASSWORD="$PASS" \
         T java -Dtgcryptfs.backend.type=local -jar "$JAR" gc >> "$work/tg-amp.log" 2>&1; then
        amp_stop; after=$(du -sb "$amp_data/tgcryptfs/backend" | awk '{print $1}')
      else log "tgcryptfs gc failed (see $work/tg-amp.log)"; fi
    fi
    amp_stop
    TM_AMP="$((tm_written >> 20)) MiB written, $((tm_changed >> 20)) MiB distinct 4 KiB pages changed; backend after unmount $((backend >> 20)) MiB = $(printf '%.2f' "$(echo "scale=4; $backend / $tm_changed" | bc)") bytes uploaded per byte changed"
    if [ -n "$after" ]; then
      TM_AMP+="; after gc (keeping only the newest restore point) $((after >> 20)) MiB = $(printf '%.2f' "$(echo "scale=4; $after / $tm_changed" | bc)")x the changed data"
    else TM_AMP+="; gc failed"; fi
  else
    log "tgcryptfs: fresh volume did not mount or the band workload failed"
  fi
  amp_stop
fi

# ---------------------------------------------------------------- report
median() { # newline-separated results -> cell
  printf '%s' "$1" | python3 -c '
import sys, statistics
rows = [l.strip() for l in sys.stdin if l.strip()]
ok = [l for l in rows if l != "fail"]
if not ok: print("fail"); sys.exit()
vals = [float(l.split()[0]) for l in ok]
notes = sorted({l.split(" ", 1)[1].strip("()") for l in ok if " " in l})
m = statistics.median(vals)
s = ("%.0f" % m) if m >= 100 else ("%.1f" % m) if m >= 1 else ("%.2f" % m)
if notes: s += " (" + "; ".join(notes) + ")"
if len(ok) < len(rows): s += " (%d/%d fail)" % (len(rows) - len(ok), len(rows))
print(s)'
}

ratio() { # kind baseline-cell tgcryptfs-cell -> tgcryptfs/baseline, >1 when tgcryptfs is better
  local g=${2%% *} t=${3%% *} r
  if [[ "$g" =~ ^[0-9.]+$ && "$t" =~ ^[0-9.]+$ ]] && [ "$(echo "$g > 0 && $t > 0" | bc)" = 1 ]; then
    if [ "$1" = rate ]; then r=$(echo "scale=4; $t / $g" | bc); else r=$(echo "scale=4; $g / $t" | bc); fi
    r=$(printf '%.2f' "$r"); [ "$1" = time ] && r="$r (time inverted)"
    echo "$r"
  else echo "-"; fi
}

rows=()
has seq && rows+=("seqw|sequential ${SEQ_MIB} MiB write, dd bs=1M conv=fsync (MB/s)|rate"
                  "seqr|sequential ${SEQ_MIB} MiB read after remount (MB/s)|rate")
has fio && rows+=("randw|fio 4 KiB random write, fsync every 32, ${FIO_SIZE} file (IOPS)|rate"
                  "randr|fio 4 KiB random read after remount (IOPS)|rate")
has files && rows+=("create|create ${FILES} empty files (ops/s)|rate"
                    "stat|stat ${FILES} files after remount (ops/s)|rate"
                    "unlink|unlink ${FILES} files (ops/s)|rate")
has tar && rows+=("tar|tar x of ${TAR_DESC} (s)|time")
has rsync && rows+=("rsync|rsync -a of ${RSYNC_SRC}, ${RSYNC_COUNT} files (s)|time"
                    "rsync_ld|rsync -a --link-dest second copy (s)|time"
                    "rsync_hax|rsync -aHAX --link-dest third copy (s)|time")
has tm && rows+=("tm|Time Machine bands, ${TM_MIB} MiB of 4 KiB-1 MiB writes, fsync every 4 (MB/s)|rate")

cols=(plain bindfs gocryptfs gocryptfs_ao rclone tgcryptfs)
heads=(plain "bindfs" gocryptfs "gocryptfs allow_other" "rclone+crypt" "tgcryptfs")
[ -n "$BINDFS_OPTS" ] && heads[1]="bindfs big_writes"
declare -A CELL
lw=8; cw=(5 6 9 21 12 9); rw=21
for row in "${rows[@]}"; do
  IFS='|' read -r key label kind <<< "$row"
  [ ${#label} -gt $lw ] && lw=${#label}
  for i in "${!cols[@]}"; do
    fs=${cols[$i]}
    if [[ " ${avail[*]} " == *" $fs "* ]]; then c=$(median "${RES[$key|$fs]:-}"); else c="n/a"; fi
    CELL[$key|$fs]=$c
    [ ${#c} -gt "${cw[$i]}" ] && cw[$i]=${#c}
  done
done
for i in "${!heads[@]}"; do [ ${#heads[$i]} -gt "${cw[$i]}" ] && cw[$i]=${#heads[$i]}; done

echo "tgcryptfs compare.sh: $START, commit $COMMIT, REPEAT=$REPEAT (medians)"
echo "machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")"
src_dev=$(findmnt -no SOURCE -T /var/tmp); disk=$(lsblk -dno PKNAME "$src_dev" 2>/dev/null); disk=${disk:-$(basename "$src_dev")}
echo "disk: /var/tmp on $src_dev ($(findmnt -no FSTYPE -T /var/tmp)), $disk $(lsblk -dno SIZE "/dev/$disk" 2>/dev/null | tr -d ' '), rotational=$(cat "/sys/block/$disk/queue/rotational" 2>/dev/null), scheduler $(sed 's/.*\[\(.*\)\].*/\1/' "/sys/block/$disk/queue/scheduler" 2>/dev/null)"
echo "load: 1-minute load average over the results min/median/max $(echo "$LOADS" | tr ' ' '\n' | python3 -c '
import sys, statistics
v = [float(l) for l in sys.stdin if l.strip()]
print("%.1f/%.1f/%.1f" % (min(v), statistics.median(v), max(v)) if v else "-")') on $(nproc) cores (other processes on the machine share them)"
echo "versions: $(gocryptfs -version 2>/dev/null | cut -d';' -f1), rclone $(rclone version 2>/dev/null | head -1 | awk '{print $2}'), bindfs $(bindfs --version 2>/dev/null | awk '{print $2}')${BINDFS_OPTS:+ ($BINDFS_OPTS)}, $(fio --version), $(java -version 2>&1 | head -1), tgcryptfs -Xmx$HEAP"
echo
printf "%-${lw}s" "workload"
for i in "${!heads[@]}"; do printf " | %${cw[$i]}s" "${heads[$i]}"; done
printf " | %${rw}s | %s\n" "tgcryptfs/gocryptfs" "tgcryptfs/gocryptfs allow_other"
printf '%s' "$(printf -- '-%.0s' $(seq 1 "$lw"))"
for i in "${!heads[@]}"; do printf -- '-|-%s' "$(printf -- '-%.0s' $(seq 1 "${cw[$i]}"))"; done
printf -- '-|-%s-|-%s\n' "$(printf -- '-%.0s' $(seq 1 $rw))" "$(printf -- '-%.0s' $(seq 1 31))"
for row in "${rows[@]}"; do
  IFS='|' read -r key label kind <<< "$row"
  printf "%-${lw}s" "$label"
  for i in "${!cols[@]}"; do printf " | %${cw[$i]}s" "${CELL[$key|${cols[$i]}]}"; done
  printf " | %-${rw}s | %s\n" "$(ratio "$kind" "${CELL[$key|gocryptfs]}" "${CELL[$key|tgcryptfs]}")" \
    "$(ratio "$kind" "${CELL[$key|gocryptfs_ao]}" "${CELL[$key|tgcryptfs]}")"
done
echo
echo "tgcryptfs/gocryptfs > 1 means tgcryptfs is better (rates: tgcryptfs / gocryptfs; times: gocryptfs / tgcryptfs)."
echo "gocryptfs allow_other: gocryptfs -allow_other, as a Samba share of it needs (it adds default_permissions and runs each operation under the caller's ids); tgcryptfs mounts with allow_other and default_permissions by default."
echo "\"(exit N)\": the command finished with exit code N; \"(no links)\" / \"(N/M not linked)\": --link-dest made copies instead of hard links (all files / N of M files)."
echo "tgcryptfs mount process peak RSS (VmHWM, highest of all its mounts): $((PEAK_RSS_KIB / 1024)) MiB;" \
  "highest RssAnon sampled (before each unmount and while it exits; not counting mapped files: pack files mapped for small reads, LMDB's map, the jar): $((PEAK_ANON_KIB / 1024)) MiB"
[ -n "$TM_AMP" ] && echo "tgcryptfs Time Machine bands on a fresh volume, once: $TM_AMP"
exit 0
}
