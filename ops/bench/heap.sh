#!/usr/bin/env bash
# Heap and RSS at size (the issue's target: "Heap stays within -Xmx512m for a 10 GiB write and a
# 100k-file tree"). One tgcryptfs mount on the local backend with -Xmx$HEAP, its own state directory,
# and a plain directory on the same disk as the baseline, measured in the same run:
#   write    SIZE_GIB of incompressible data (AES-CTR keystream), dd bs=1M conv=fsync
#   read     it back after a remount and dropping the page cache, SHA-256 of every byte checked
#   rm-big   delete that file
#   create   FILES files of 0-FILE_MAX bytes of random data in DIRS directories
#   stat     list and lstat the whole tree after a remount (and a dropped cache); count and bytes checked
#   rm-tree  rm -rf of the tree
# tgcryptfs also gets its mounts and unmounts as phases (an unmount seals, uploads and publishes before
# the process exits). While the mount runs, VmRSS/VmHWM are read from /proc and heap use from
# `jstat -gc` every SAMPLE_MS; the JVM writes a GC log (-Xlog:gc); after each phase `jcmd
# GC.class_histogram` forces a full GC and gives the live heap (histograms kept in the work directory).
# The mount's log and GC log are searched for OutOfMemoryError / GC overhead / evacuation failures.
#
# Prints per phase: duration, MB/s or files/s, the plain directory's rate and the ratio, peak RSS,
# VmHWM, peak heap used / max heap, peak heap after a GC, live heap after the phase, GC pauses.
# Exits 1 when the mount failed, a phase failed (including a checksum or count mismatch), the mount
# process died or exited non-zero, or an OutOfMemoryError happened.
#
# Needs root (mount, drop_caches), java/jcmd/jstat (JDK 17), openssl, python3, fusermount.
# Knobs (environment):
#   SIZE_GIB=10        size of the sequential file (SIZE_MIB=n for a smaller smoke run)
#   FILES=100000       files in the tree; DIRS=FILES/100 directories; FILE_MAX=4096 bytes at most per file
#   HEAP=512m          the mount's -Xmx
#   METRICS_PORT=9295  the mount's metrics port (kept away from other mounts' default 9095)
#   JAR=<path>         measure this jar; default: `mvn -B -q -o package -DskipTests` in the repository
#   JAVA_OPTS=""       more JVM / -Dtgcryptfs.* options for the mount
#   SAMPLE_MS=1000     sampling interval for RSS and jstat
#   CMD_TIMEOUT=10800  seconds before one phase's command is killed (then the phase fails)
#   KEEP_WORK=0        1 keeps the work directory (with the volume and the file: SIZE_GIB on disk)
#   KEEP_LOGS=0        1 copies the logs, GC logs and class histograms to <work>-logs; done anyway on a failure
{ # one compound command: bash parses all of it before running, so editing this file mid-run is safe
set -uo pipefail
export LC_ALL=C
REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO" || exit 1
SIZE_GIB=${SIZE_GIB:-10}
FILES=${FILES:-100000}
DIRS=${DIRS:-$(( (FILES + 99) / 100 ))}
FILE_MAX=${FILE_MAX:-4096}
HEAP=${HEAP:-512m}
METRICS_PORT=${METRICS_PORT:-9295}
JAR=${JAR:-}
JAVA_OPTS=${JAVA_OPTS:-}
SAMPLE_MS=${SAMPLE_MS:-1000}
CMD_TIMEOUT=${CMD_TIMEOUT:-10800}
KEEP_WORK=${KEEP_WORK:-0}
KEEP_LOGS=${KEEP_LOGS:-0}
SIZE_MIB=${SIZE_MIB:-$(( SIZE_GIB * 1024 ))}   # smaller runs: SIZE_MIB wins over SIZE_GIB
BYTES=$(( SIZE_MIB << 20 ))
if [ $(( SIZE_MIB % 1024 )) = 0 ]; then SIZE_DESC="$(( SIZE_MIB / 1024 )) GiB"; else SIZE_DESC="$SIZE_MIB MiB"; fi
SAMPLE_S=$(printf '%d.%03d' $(( SAMPLE_MS / 1000 )) $(( SAMPLE_MS % 1000 )))
PASS=heap-bench
KEY=5d41402abc4b2a76b9719d911017c592aa6ce0a1c0aef43ee7ea0b5ab8bf4a21   # fixed keystream: reproducible, incompressible
IV=0000000000000000000000000000000a

log() { printf '# %s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
ms() { local t=${EPOCHREALTIME/./}; echo $(( t / 1000 )); }

[ "$(id -u)" = 0 ] || die "run as root (mount, drop_caches)"
for t in java jcmd jstat openssl python3 fusermount timeout dd; do command -v "$t" > /dev/null || die "$t is missing"; done

# ---------------------------------------------------------------- jar
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$JAR" ]; then
  [ -f "$JAR" ] || die "JAR=$JAR does not exist"
  JAR=$(realpath "$JAR"); COMMIT="$COMMIT (JAR=$JAR)"
else
  [ -n "$(git -C "$REPO" status --porcelain 2>/dev/null)" ] && COMMIT="$COMMIT + uncommitted edits"
  log "building tgcryptfs.jar in $REPO (mvn -B -q -o package -DskipTests)"
  mvn -B -q -o -Dstyle.color=never package -DskipTests > /var/tmp/tgcryptfs-heap-build.log 2>&1 \
    || { tail -30 /var/tmp/tgcryptfs-heap-build.log >&2; die "build failed (/var/tmp/tgcryptfs-heap-build.log)"; }
  rm -f /var/tmp/tgcryptfs-heap-build.log
  JAR="$REPO/target/tgcryptfs.jar"
fi

# ---------------------------------------------------------------- work directory and cleanup
work=$(mktemp -d /var/tmp/tgcryptfs-heap.XXXXXX)
mnt="$work/mnt"; plain="$work/plain"
mkdir -p "$mnt" "$plain" "$work/data" "$work/config" "$work/dumps"
cp "$JAR" "$work/tgcryptfs.jar" || die "cannot copy $JAR"
MOUNT_PID=""
SAMPLERS=()
FAILED=0

is_mounted() { awk -v m="$1" '$5 == m { f = 1 } END { exit !f }' /proc/self/mountinfo; }

stop_samplers() {
  local p
  for p in "${SAMPLERS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${SAMPLERS[@]}"; do wait "$p" 2>/dev/null; done
  SAMPLERS=()
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if is_mounted "$mnt"; then fusermount -u "$mnt" 2>/dev/null || { sleep 2; fusermount -u "$mnt" 2>/dev/null; } || umount -l "$mnt" 2>/dev/null; fi
  if [ -n "$MOUNT_PID" ] && kill -0 "$MOUNT_PID" 2>/dev/null; then # SIGTERM unmounts and finishes cleanly
    kill "$MOUNT_PID" 2>/dev/null
    for _ in $(seq 1 600); do kill -0 "$MOUNT_PID" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$MOUNT_PID" 2>/dev/null
    wait "$MOUNT_PID" 2>/dev/null
  fi
  stop_samplers
  if is_mounted "$mnt"; then
    log "$mnt is still mounted, not removing $work"
  elif [ "$KEEP_WORK" = 1 ]; then
    log "kept $work"
  else
    if [ "$rc" != 0 ] || [ "$FAILED" != 0 ] || [ "$KEEP_LOGS" = 1 ]; then
      mkdir -p "$work-logs"
      cp -a "$work"/*.log "$work"/*.tsv "$work"/*.txt "$work"/*.err "$work/dumps" "$work-logs/" 2>/dev/null
      log "logs kept in $work-logs"
    fi
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

need=$(( BYTES + (4 << 30) + FILES * (FILE_MAX + 4096) ))   # the file (plain, then the backend), pack cache and outbox, the tree
avail=$(df -B1 --output=avail "$work" | tail -1)
[ "$avail" -gt "$need" ] || die "$(( avail >> 30 )) GiB free on $(findmnt -no TARGET -T "$work"), need about $(( need >> 30 )) GiB"

drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }
T() { timeout -k 10 "$CMD_TIMEOUT" "$@"; }

# ---------------------------------------------------------------- helpers run by the phases
cat > "$work/tree.py" <<'PY'
import os, sys, random
mode, root = sys.argv[1], sys.argv[2]
if mode == "create":
    files, dirs, maxb = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    rnd = random.Random(1)
    os.mkdir(root)
    for d in range(dirs):
        os.mkdir(os.path.join(root, "d%05d" % d))
    total = 0
    for i in range(files):
        n = rnd.randint(0, maxb)
        with open(os.path.join(root, "d%05d" % (i % dirs), "f%07d" % i), "wb") as f:
            f.write(os.urandom(n))
        total += n
    print(files, total)
else:  # stat: list every directory, lstat every entry
    count = total = 0
    for d in sorted(os.listdir(root)):
        with os.scandir(os.path.join(root, d)) as it:
            for e in it:
                st = e.stat(follow_symlinks=False)
                count += 1
                total += st.st_size
    print(count, total)
PY

gen() { head -c "$BYTES" /dev/zero | openssl enc -aes-256-ctr -nosalt -K "$KEY" -iv "$IV"; }
export BYTES KEY IV

do_write() { # dir
  T bash -c 'set -o pipefail; head -c "$BYTES" /dev/zero | openssl enc -aes-256-ctr -nosalt -K "$KEY" -iv "$IV" \
    | dd of="$1/big.bin" bs=1M iflag=fullblock conv=fsync status=none' _ "$1"
}
do_read() { # dir: full SHA-256 of what comes back
  local h
  h=$(T bash -c 'set -o pipefail; dd if="$1/big.bin" bs=1M status=none | openssl dgst -sha256 -r' _ "$1") || return 1
  h=${h%% *}
  [ "$h" = "$EXPECTED_SHA" ] || { log "checksum mismatch in $1: $h, expected $EXPECTED_SHA"; return 1; }
}
do_rm_big() { T rm -f "$1/big.bin"; }
do_create() { # dir
  local out
  out=$(T python3 "$work/tree.py" create "$1/tree" "$FILES" "$DIRS" "$FILE_MAX") || return 1
  echo "$out" > "$work/tree.expected"
}
do_stat() { # dir
  local out
  out=$(T python3 "$work/tree.py" stat "$1/tree") || return 1
  [ "$out" = "$(cat "$work/tree.expected")" ] || { log "tree in $1: files/bytes $out, expected $(cat "$work/tree.expected")"; return 1; }
}
do_rm_tree() { T rm -rf "$1/tree"; }

# ---------------------------------------------------------------- sampling
sample_now() { # one RSS sample of the mount process into rss.log
  [ -n "$MOUNT_PID" ] || return 0
  local k v _ rss="" hwm="" anon=""
  { while read -r k v _; do case $k in VmRSS:) rss=$v ;; VmHWM:) hwm=$v ;; RssAnon:) anon=$v ;; esac; done < "/proc/$MOUNT_PID/status"; } 2>/dev/null
  [ -n "$rss" ] && echo "$(ms) $MOUNT_PID $rss $hwm ${anon:-0}" >> "$work/rss.log"
  return 0
}

stamp() { # pid: prefixes each line with the time in ms
  local line t
  while IFS= read -r line; do t=${EPOCHREALTIME/./}; echo "$(( t / 1000 )) $1 $line"; done
}

start_samplers() { # pid
  local p=$1
  ( while kill -0 "$p" 2>/dev/null; do
      sample_now
      sleep "$SAMPLE_S"
    done ) &
  SAMPLERS+=($!)
  jstat -gc "$p" "$SAMPLE_MS" > >(stamp "$p" >> "$work/heap.log") 2>> "$work/jstat.err" &
  SAMPLERS+=($!)
}

# ---------------------------------------------------------------- the mount
wait_mounted() {
  for _ in $(seq 1 600); do
    is_mounted "$mnt" && return 0
    kill -0 "$MOUNT_PID" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

do_mount() {
  # shellcheck disable=SC2086
  XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" TGCRYPTFS_PASSWORD="$PASS" \
    java -Xmx"$HEAP" -Xlog:gc:file="$work/gc-%p.log":tm:filecount=0 \
    -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath="$work/dumps" \
    -Dtgcryptfs.backend.type=local -Dtgcryptfs.metrics.port="$METRICS_PORT" \
    -Dtgcryptfs.kdf.memory-kib=8192 -Dtgcryptfs.kdf.iterations=1 $JAVA_OPTS \
    -jar "$work/tgcryptfs.jar" mount "$mnt" >> "$work/mount.log" 2>&1 &
  MOUNT_PID=$!
  if ! wait_mounted; then log "mount failed (see mount.log)"; tail -20 "$work/mount.log" >&2; return 1; fi
  start_samplers "$MOUNT_PID"
  local mx
  mx=$(jcmd "$MOUNT_PID" VM.flags 2>/dev/null | tr ' ' '\n' | sed -n 's/^-XX:MaxHeapSize=//p')
  echo "$MOUNT_PID ${mx:-0}" >> "$work/maxheap.tsv"
}

do_unmount() { # waits for the process: it seals, uploads and publishes first
  local ok=1 rc
  for _ in $(seq 1 40); do fusermount -u "$mnt" 2>/dev/null && { ok=0; break; }; sleep 0.5; done
  [ $ok = 0 ] || { log "fusermount -u failed, lazy unmount"; umount -l "$mnt" 2>/dev/null; }
  for _ in $(seq 1 $(( CMD_TIMEOUT * 2 ))); do
    kill -0 "$MOUNT_PID" 2>/dev/null || break
    sample_now; sleep 0.5
  done
  if kill -0 "$MOUNT_PID" 2>/dev/null; then log "mount process did not exit"; return 1; fi
  wait "$MOUNT_PID"; rc=$?
  stop_samplers
  MOUNT_PID=""
  [ "$rc" = 0 ] || { log "mount process exited with $rc"; return 1; }
}

live_heap() { # key: full GC + class histogram of the mount process
  [ -n "$MOUNT_PID" ] && kill -0 "$MOUNT_PID" 2>/dev/null || return 0
  jcmd "$MOUNT_PID" GC.class_histogram > "$work/histo-$1.txt" 2>&1 || true
  local total; total=$(awk '$1 == "Total" { print $3 }' "$work/histo-$1.txt")
  echo "$1 $MOUNT_PID ${total:-}" >> "$work/live.tsv"
}

# ---------------------------------------------------------------- phases
phase() { # fs key cmd...: times cmd, records fs key t0 t1 rc load pid
  local fs=$1 key=$2 t0 t1 rc
  shift 2
  log "$fs: $key"
  t0=$(ms)
  [ "$fs" = tgcryptfs ] && sample_now   # inside the window: short phases get a sample too
  "$@"; rc=$?
  [ "$fs" = tgcryptfs ] && sample_now
  t1=$(ms)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$fs" "$key" "$t0" "$t1" "$rc" "$(cut -d' ' -f1 /proc/loadavg)" "${MOUNT_PID:-}" >> "$work/phases.tsv"
  [ "$rc" = 0 ] || { FAILED=1; log "$fs: $key failed"; }
  return "$rc"
}

START=$(date -u '+%Y-%m-%d %H:%M UTC')
log "work directory $work; size $SIZE_DESC, FILES=$FILES DIRS=$DIRS FILE_MAX=$FILE_MAX HEAP=$HEAP"
log "checksum of the $SIZE_DESC keystream"
EXPECTED_SHA=$(gen | openssl dgst -sha256 -r) || die "openssl failed"
EXPECTED_SHA=${EXPECTED_SHA%% *}

# plain directory: the same phases, a dropped page cache stands for the remount
drop_caches
phase plain write do_write "$plain"
drop_caches
phase plain read do_read "$plain"
phase plain rm-big do_rm_big "$plain"
phase plain create do_create "$plain"
drop_caches
phase plain stat do_stat "$plain"
phase plain rm-tree do_rm_tree "$plain"

# tgcryptfs: fresh volume
MOUNT_OK=1
tg() { # key cmd...: a phase on the mount, then its live heap (not timed)
  phase tgcryptfs "$@"; local rc=$?
  case $1 in unmount*) ;; *) live_heap "$1" ;; esac
  return $rc
}
run_tg() {
  drop_caches
  tg mount do_mount || { MOUNT_OK=0; return 1; }
  tg write do_write "$mnt"
  tg unmount-1 do_unmount || return 1
  tg mount-2 do_mount || { MOUNT_OK=0; return 1; }
  drop_caches
  tg read do_read "$mnt"
  tg rm-big do_rm_big "$mnt"
  tg create do_create "$mnt"
  tg unmount-2 do_unmount || return 1
  tg mount-3 do_mount || { MOUNT_OK=0; return 1; }
  drop_caches
  tg stat do_stat "$mnt"
  tg rm-tree do_rm_tree "$mnt"
  tg unmount-3 do_unmount
}
run_tg || FAILED=1

# ---------------------------------------------------------------- report
OOM=$(grep -h -E 'OutOfMemoryError|GC overhead limit exceeded' "$work/mount.log" 2>/dev/null | sort | uniq -c | head -5)
DUMPS=$(find "$work/dumps" -name '*.hprof' 2>/dev/null | wc -l)
src_dev=$(findmnt -no SOURCE -T /var/tmp); disk=$(lsblk -dno PKNAME "$src_dev" 2>/dev/null); disk=${disk:-$(basename "$src_dev")}
echo "tgcryptfs heap.sh: $START, commit $COMMIT"
echo "machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, kernel $(uname -r), $(java -version 2>&1 | head -1)"
echo "disk: /var/tmp on $src_dev ($(findmnt -no FSTYPE -T /var/tmp)), $disk, rotational=$(cat "/sys/block/$disk/queue/rotational" 2>/dev/null)"
echo "workload: $SIZE_DESC written and read back (SHA-256 checked); $FILES files of 0-$FILE_MAX bytes in $DIRS directories ($(cut -d' ' -f2 "$work/tree.expected" 2>/dev/null || echo '?') bytes)"
echo "tgcryptfs: local backend, -Xmx$HEAP${JAVA_OPTS:+ $JAVA_OPTS}"
echo
python3 - "$work" "$BYTES" "$FILES" <<'PY'
import sys, os, re, glob
work, nbytes, nfiles = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
MiB = 1 << 20

phases = []
for line in open(os.path.join(work, "phases.tsv")):
    fs, key, t0, t1, rc, load, pid = (line.rstrip("\n").split("\t") + [""] * 7)[:7]
    phases.append(dict(fs=fs, key=key, t0=int(t0), t1=int(t1), rc=int(rc), load=load, pid=pid))

rss = []  # (ms, rss_kib, hwm_kib, anon_kib)
p = os.path.join(work, "rss.log")
if os.path.exists(p):
    for line in open(p):
        f = line.split()
        if len(f) >= 5 and f[3].isdigit():
            rss.append((int(f[0]), int(f[2]), int(f[3]), int(f[4])))

heap = []  # (ms, used_bytes)
p = os.path.join(work, "heap.log")
hdr = None
if os.path.exists(p):
    for line in open(p):
        f = line.split()
        if len(f) < 3:
            continue
        if f[2] == "S0C":
            hdr = f[2:]
            continue
        if hdr is None or len(f) - 2 != len(hdr):
            continue
        try:
            v = dict(zip(hdr, (float(x) for x in f[2:])))
            heap.append((int(f[0]), (v["S0U"] + v["S1U"] + v["EU"] + v["OU"]) * 1024))
        except ValueError:
            pass

unit = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
gc = []  # (ms, name, after_bytes, pause_ms)
pressure = []
rx = re.compile(r"^\[(\d+)ms\] GC\(\d+\) (Pause .*?) (\d+)([KMG])->(\d+)([KMG])\((\d+)([KMG])\) ([\d.]+)ms")
for g in glob.glob(os.path.join(work, "gc-*.log")):
    for line in open(g):
        m = rx.match(line)
        if m:
            gc.append((int(m.group(1)), m.group(2), int(m.group(5)) * unit[m.group(6)], float(m.group(9))))
        if ("Pause Full" in line and "Heap Inspection" not in line and "System.gc" not in line) \
                or "To-space exhausted" in line or "Evacuation Failure" in line:
            pressure.append(line.strip())

live = {}
p = os.path.join(work, "live.tsv")
if os.path.exists(p):
    for line in open(p):
        f = line.split()
        if len(f) == 3 and f[2].isdigit():
            live[f[0]] = int(f[2])
maxheap = {}
p = os.path.join(work, "maxheap.tsv")
if os.path.exists(p):
    for line in open(p):
        f = line.split()
        if len(f) == 2:
            maxheap[f[0]] = int(f[1])
mx = max(maxheap.values()) if maxheap else 0

def amount(key):
    if key in ("write", "read"):
        return nbytes / 1e6, "MB/s"
    if key in ("create", "stat", "rm-tree"):
        return nfiles, "files/s"
    return None, ""

plain = {ph["key"]: ph for ph in phases if ph["fs"] == "plain"}

def fmt_rate(ph):
    s = (ph["t1"] - ph["t0"]) / 1000
    a, u = amount(ph["key"])
    if ph["rc"] != 0:
        return "%.1f" % s, "fail"
    if a is None or s <= 0:
        return "%.1f" % s, "-"
    r = a / s
    return "%.1f" % s, ("%.0f %s" % (r, u) if r >= 100 else "%.1f %s" % (r, u))

rows = []
head = ["phase", "plain s", "plain rate", "tgcryptfs s", "tgcryptfs rate", "tg/plain",
        "peak RSS (anon)", "VmHWM", "heap used peak/max", "heap after GC", "live after", "GC pauses"]
for ph in phases:
    if ph["fs"] != "tgcryptfs":
        continue
    k = ph["key"]
    ts, tr = fmt_rate(ph)
    pl = plain.get(k)
    ps, pr = fmt_rate(pl) if pl else ("", "")
    ratio = "-"
    if pl and pl["rc"] == 0 and ph["rc"] == 0 and ph["t1"] > ph["t0"]:
        ratio = "%.2f" % ((pl["t1"] - pl["t0"]) / (ph["t1"] - ph["t0"]))
    win = lambda t: ph["t0"] <= t <= ph["t1"]
    rs = [r for r in rss if win(r[0])]
    hs = [h[1] for h in heap if win(h[0])]
    gs = [g for g in gc if win(g[0]) and "Heap Inspection" not in g[1]]
    dur = max(1, ph["t1"] - ph["t0"])
    rows.append([k, ps, pr, ts, tr, ratio,
                 "%d (%d) MiB" % (max(r[1] for r in rs) // 1024, max(r[3] for r in rs) // 1024) if rs else "-",
                 "%d MiB" % (max(r[2] for r in rs) // 1024) if rs else "-",
                 ("%d/%d MiB" % (max(hs) // MiB, mx // MiB)) if hs else ("-/%d MiB" % (mx // MiB)),
                 "%d MiB" % (max(g[2] for g in gs) // MiB) if gs else "-",
                 "%d MiB" % (live[k] // MiB) if k in live else "-",
                 "%d, %.1f s (%.1f%%)" % (len(gs), sum(g[3] for g in gs) / 1000, 100 * sum(g[3] for g in gs) / dur) if gs else "0"])
w = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
print(" | ".join(h.ljust(w[i]) if i == 0 else h.rjust(w[i]) for i, h in enumerate(head)))
print("-|-".join("-" * x for x in w))
for r in rows:
    print(" | ".join(str(c).ljust(w[i]) if i == 0 else str(c).rjust(w[i]) for i, c in enumerate(r)))
print()
loads = [float(ph["load"]) for ph in phases if ph["load"]]
if loads:
    print("load: 1-minute load average at the end of the phases min/max %.1f/%.1f on %d cores" % (min(loads), max(loads), os.cpu_count()))
print("tg/plain: the plain directory's time divided by tgcryptfs's (> 1 means tgcryptfs is faster); the plain")
print("  directory's read includes the same SHA-256 as tgcryptfs's, and its 'remount' is a dropped page cache.")
print("peak RSS: highest VmRSS sampled in the phase, (anon): highest RssAnon, the part that is not mapped files")
print("  (LMDB's pages, the jar); VmHWM: the process's high-water mark so far, mapped files included.")
print("heap used: S0U+S1U+EU+OU from jstat (garbage included, G1 fills the heap before it collects); heap after GC:")
print("  highest heap after a GC pause in the phase (GC log); live after: heap after the full GC of")
print("  `jcmd GC.class_histogram` once the phase ended. GC pauses: count, total, share of the phase.")
print("heap pressure (full GCs not asked for, evacuation failures): %s" % (len(pressure) if pressure else "none"))
for l in pressure[:5]:
    print("  " + l)
PY
[ -s "$work/maxheap.tsv" ] && echo "mount processes: $(awk '{printf "%s%s", sep, $1; sep=", "}' "$work/maxheap.tsv"), max heap $(awk '{printf "%d MiB", $2/1048576; exit}' "$work/maxheap.tsv")"
if [ -n "$OOM" ] || [ "$DUMPS" -gt 0 ]; then
  echo "OutOfMemoryError: YES"
  [ -n "$OOM" ] && echo "$OOM"
  [ "$DUMPS" -gt 0 ] && echo "heap dump(s) written: $DUMPS (kept with the logs)"
  FAILED=1
else
  echo "OutOfMemoryError: none (mount log and heap dumps checked)"
fi
[ "$MOUNT_OK" = 1 ] || echo "mount: FAILED"
if [ "$FAILED" = 0 ]; then echo "result: ok"; else echo "result: FAILED (see the log lines above)"; fi
exit "$FAILED"
}
