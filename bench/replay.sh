#!/usr/bin/env bash
# Big-broker benchmark without the broker's speed in it: celtool doctor / queues against
# bench/replay.py serving generated bodies of QUEUES queues (default "50000 100000"), peak RSS
# (GNU time) for each, and callgrind's instruction count of doctor at the first size (with
# --timeout 300s: under valgrind a binary with a fixed 10 s request timeout would time out).
#
#   bench/replay.sh [QUEUES...]
#
# Env: CELTOOL (binary, default target/release/celtool under $CARGO_TARGET_DIR or ./target),
#      BASELINE (a second binary, e.g. one built from main, measured the same way; ratios are
#      CELTOOL / BASELINE), NO_CALLGRIND=1 to skip valgrind.
# Reports; exits 0 even when a target is missed. Target: peak RSS < 64 MiB at 100 000 queues.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
CELTOOL=${CELTOOL:-${CARGO_TARGET_DIR:-$ROOT/target}/release/celtool}
SIZES=("$@")
[[ ${#SIZES[@]} -gt 0 ]] || SIZES=(50000 100000)
[[ -x $CELTOOL ]] || { echo "no celtool binary at $CELTOOL (cargo build --release)" >&2; exit 0; }
BINS=("celtool=$CELTOOL")
[[ -n ${BASELINE:-} ]] && BINS+=("baseline=$BASELINE")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

rss() { # binary url args... -> peak RSS in KiB (GNU time)
    local bin=$1 url=$2; shift 2
    /usr/bin/time -f %M -o /tmp/celtool-replay-rss.$$ "$bin" --url "$url" --vhost celtool-bench "$@" \
        --format json >/dev/null 2>&1 || true
    tail -1 /tmp/celtool-replay-rss.$$
}
parts() { # binary url args... -> "anon file": peak RssAnon and RssFile in KiB (another run, polled)
    local bin=$1 url=$2; shift 2
    python3 "$HERE/peakrss.py" "$bin" --url "$url" --vhost celtool-bench "$@" --format json || true
}

first=1
for n in "${SIZES[@]}"; do
    coproc REPLAY { exec python3 "$HERE/replay.py" "$n"; }
    PIDS+=("$REPLAY_PID")
    read -r _ url <&"${REPLAY[0]}"
    echo "== $n generated queues at $url"
    for b in "${BINS[@]}"; do
        name=${b%%=*} bin=${b#*=}
        d=$(rss "$bin" "$url" doctor --only broker) q=$(rss "$bin" "$url" queues)
        printf '  %-9s doctor peak RSS %6.1f MiB   queues peak RSS %6.1f MiB\n' "$name" \
            "$(echo "$d/1024" | bc -l)" "$(echo "$q/1024" | bc -l)"
        read -r da df < <(parts "$bin" "$url" doctor --only broker)
        read -r qa qf < <(parts "$bin" "$url" queues)
        printf '  %-9s doctor peak RssAnon %6.1f MiB RssFile %5.1f MiB   queues peak RssAnon %6.1f MiB RssFile %5.1f MiB\n' \
            "$name" "$(echo "$da/1024" | bc -l)" "$(echo "$df/1024" | bc -l)" \
            "$(echo "$qa/1024" | bc -l)" "$(echo "$qf/1024" | bc -l)"
        if [[ $first == 1 && -z ${NO_CALLGRIND:-} ]] && command -v valgrind >/dev/null; then
            ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" --url "$url" \
                --vhost celtool-bench doctor --only broker --format json --timeout 300s 2>&1 >/dev/null |
                sed -n 's/.*Collected : \([0-9]*\).*/\1/p' || true)
            echo "  $name doctor instructions (callgrind): $ir"
        fi
    done
    kill "$REPLAY_PID" 2>/dev/null || true
    wait "$REPLAY_PID" 2>/dev/null || true
    first=0
done
rm -f /tmp/celtool-replay-rss.$$
echo "target: peak RSS < 64 MiB at 100 000 queues, for doctor and queues"
