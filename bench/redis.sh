#!/usr/bin/env bash
# Redis benchmark: `celtool doctor --url redis://...` against the floor, redis-cli doing the same
# reads (bench/redis-floor.sh: `pipe` is the floor, `plain` reads one reply at a time), on a
# private redis-server (free port, no persistence) holding QUEUES queues and RESULTS result keys
# (default 10000 and 100000), filled by bench/mkredis.py.
#
#   bench/redis.sh [QUEUES] [RESULTS] [ROUNDS]
#
# The rate sample (queue growth, the event stream, the output rate) runs while doctor's other
# reads run and lasts at least CELTOOL_REDIS_INTERVAL: `doctor-default` runs with the defaults
# (at least 1 s), `doctor-0s` with CELTOOL_REDIS_INTERVAL=0s (the sample is what the reads take;
# the floor does not sleep either), `doctor-2s` with 2s (the length the sample had before, when
# it ran after the reads). Then the trade-off itself: with one queue growing and one draining
# (bench/redis_trend.py, BENCH_TREND_RATE messages/s each, default 20), what each mode says of
# them, BENCH_TREND_RUNS runs each (default 3).
# Env: CELTOOL (binary, default target/release/celtool), BENCH_JSON (append JSON lines here).
# Always stops its redis-server on exit. Reports; exits 0.
set -euo pipefail

QUEUES=${1:-10000}
RESULTS=${2:-100000}
ROUNDS=${3:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
CELTOOL=${CELTOOL:-${CARGO_TARGET_DIR:-$ROOT/target}/release/celtool}
[[ -x $CELTOOL ]] || { echo "no celtool binary at $CELTOOL (cargo build --release)" >&2; exit 0; }
command -v redis-server >/dev/null || { echo "no redis-server" >&2; exit 0; }

WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DB=0
redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" \
    --daemonize no >"$WORK/server.log" 2>&1 &
SERVER=$!
TREND=""
cleanup() {
    if [[ -n $TREND ]]; then kill "$TREND" 2>/dev/null || true; wait "$TREND" 2>/dev/null || true; fi
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
for _ in $(seq 100); do redis-cli -p "$PORT" PING >/dev/null 2>&1 && break; sleep 0.1; done

echo "== redis benchmark: $QUEUES queues, $RESULTS result keys, private redis-server on port $PORT"
python3 "$HERE/mkredis.py" "$QUEUES" "$RESULTS" | redis-cli -p "$PORT" -n "$DB" --pipe | tail -n 1
echo "  keys: $(redis-cli -p "$PORT" -n "$DB" DBSIZE), used_memory: $(redis-cli -p "$PORT" INFO memory | grep -a '^used_memory_human' | tr -d '\r')"

export NO_COLOR=1
unset CELTOOL_REDIS_INTERVAL || true
URL=redis://127.0.0.1:$PORT/$DB
DOCTOR_DEFAULT="exec '$CELTOOL' doctor --url $URL --only broker --format json"
DOCTOR="exec env CELTOOL_REDIS_INTERVAL=0s '$CELTOOL' doctor --url $URL --only broker --format json"
DOCTOR_2S="exec env CELTOOL_REDIS_INTERVAL=2s '$CELTOOL' doctor --url $URL --only broker --format json"
QUEUESCMD="exec '$CELTOOL' queues --url $URL --format json"
FLOOR="exec bash '$HERE/redis-floor.sh' $PORT $DB '$WORK' pipe"
PLAIN="exec bash '$HERE/redis-floor.sh' $PORT $DB '$WORK' plain"

rows=$(bash -c "$QUEUESCMD" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["queues"]))' 2>/dev/null || echo "?")
echo "  celtool queues lists $rows rows"
set +e
bash -c "$DOCTOR" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for f in d["findings"]:
    if f["id"] in ("redis.info", "redis.results.no-ttl"):
        print("  " + f["id"] + ": " + f["summary"])'
set -e

python3 "$HERE/alternate.py" --label "redis, $QUEUES queues, $RESULTS results" --rounds "$ROUNDS" --warmup 1 \
    --baseline floor ${BENCH_JSON:+--json "$BENCH_JSON"} \
    "floor=$FLOOR" "plain=$PLAIN" "doctor-0s=$DOCTOR" "doctor-default=$DOCTOR_DEFAULT" "doctor-2s=$DOCTOR_2S" "queues=$QUEUESCMD"

# The trade-off: one queue growing and one draining while doctor runs; what each mode says.
RATE=${BENCH_TREND_RATE:-20}
echo "-- trend: bench.q1 grows by $RATE msg/s, bench.q2 drains by $RATE msg/s (bench/redis_trend.py)"
python3 "$HERE/redis_trend.py" "$PORT" "$DB" bench.q1 bench.q2 "$RATE" >"$WORK/trend.log" 2>&1 &
TREND=$!
for _ in $(seq 100); do grep -q ready "$WORK/trend.log" 2>/dev/null && break; sleep 0.1; done
for mode in default 0s 2s; do
    for ((i = 1; i <= ${BENCH_TREND_RUNS:-3}; i++)); do
        if [[ $mode == default ]]; then env=(); else env=(CELTOOL_REDIS_INTERVAL=$mode); fi
        start=$(date +%s.%N)
        out=$(env "${env[@]}" "$CELTOOL" doctor --url "$URL" --only broker --format json || true)
        wall=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$start" "$(date +%s.%N)")
        printf '%s' "$out" | python3 -c '
import json, sys
mode, wall = sys.argv[1], sys.argv[2]
d = json.load(sys.stdin)
said = {}
for f in d["findings"]:
    if f["id"] == "queues.backlog" and f["subject"] in ("db0/bench.q1", "db0/bench.q2"):
        g = f.get("evidence", {}).get("growth_per_second")
        said[f["subject"]] = "%+.1f msg/s" % g if g is not None else "no trend"
g, d = said.get("db0/bench.q1", "-"), said.get("db0/bench.q2", "-")
ok = g.startswith("+") and d.startswith("-")
verdict = "told apart" if ok else "NOT told apart"
print(f"  {mode:7} {wall} s  bench.q1 {g}, bench.q2 {d}  {verdict}")
' "$mode" "$wall"
    done
done
