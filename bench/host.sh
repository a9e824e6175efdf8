#!/usr/bin/env bash
# Host benchmarks:
#   1. `celtool inodes --top DIR` against `du --inodes -x DIR` (default DIR /usr)
#   2. `celtool workers` against `ps -eo pid,ppid,stat,rss,args`, with EXTRA extra processes
#      (`sleep 300` children of this script, killed by PID on exit)
#   3. `celtool --version` start-up time against /bin/true (hyperfine if installed, else a loop)
#
#   bench/host.sh [DIR] [EXTRA] [ROUNDS]      defaults: /usr 2000 5
#
# Reports; exits 0 even when a target is missed.
set -euo pipefail

DIR=${1:-/usr}
EXTRA=${2:-2000}
ROUNDS=${3:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
CELTOOL=${CELTOOL:-${CARGO_TARGET_DIR:-$ROOT/target}/release/celtool}
[[ -x $CELTOOL ]] || { echo "no celtool binary at $CELTOOL (cargo build --release)" >&2; exit 0; }
export NO_COLOR=1
JSON=(${BENCH_JSON:+--json "$BENCH_JSON"})

SLEEPERS=()
cleanup() {
    if ((${#SLEEPERS[@]})); then kill "${SLEEPERS[@]}" 2>/dev/null || true; fi
    wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# 1. inodes --top
echo "== inodes: $DIR ($(find "$DIR" -xdev | wc -l) entries on its filesystem)"
python3 "$HERE/alternate.py" --label "inodes --top $DIR" --rounds "$ROUNDS" --warmup 1 --baseline du "${JSON[@]}" \
    "du=exec du --inodes -x '$DIR'" \
    "celtool=exec '$CELTOOL' inodes --top '$DIR' --format json"

# 2. workers, with EXTRA more processes
for ((i = 0; i < EXTRA; i++)); do
    sleep 300 &
    SLEEPERS+=($!)
done
sleep 1
echo "== workers: $(find /proc -maxdepth 1 -name '[0-9]*' | wc -l) processes ($EXTRA of them sleep children of this script)"
python3 "$HERE/alternate.py" --label "workers, $EXTRA extra processes" --rounds "$ROUNDS" --warmup 1 --baseline ps "${JSON[@]}" \
    "ps=exec ps -eo pid,ppid,stat,rss,args" \
    "celtool=exec '$CELTOOL' workers --format json"
kill "${SLEEPERS[@]}" 2>/dev/null || true
wait 2>/dev/null || true
SLEEPERS=()

# 3. start-up
echo "== start-up: celtool --version"
if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 20 --runs 300 --style basic \
        ${BENCH_HYPERFINE_JSON:+--export-json "$BENCH_HYPERFINE_JSON"} \
        "/bin/true" "$CELTOOL --version" 2>&1 | sed -n '/Benchmark/,$p'
else
    for cmd in /bin/true "$CELTOOL --version"; do
        t0=$(date +%s%N)
        for ((i = 0; i < 100; i++)); do $cmd >/dev/null; done
        t1=$(date +%s%N)
        echo "  $cmd: $(((t1 - t0) / 100000)) us per run (mean of 100)"
    done
fi
/usr/bin/time -f "  celtool --version peak RSS %M KiB" "$CELTOOL" --version >/dev/null
echo "targets: none given for host commands; ratios are against du, ps and /bin/true"
