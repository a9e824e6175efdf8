#!/usr/bin/env bash
# Redis benchmark: `celtool doctor --url redis://...` against the floor, redis-cli doing the same
# reads (bench/redis-floor.sh: `pipe` is the floor, `plain` reads one reply at a time), on a
# private redis-server (free port, no persistence) holding QUEUES queues and RESULTS result keys
# (default 10000 and 100000), filled by bench/mkredis.py.
#
#   bench/redis.sh [QUEUES] [RESULTS] [ROUNDS]
#
# `doctor` skips the rate interval (CELTOOL_REDIS_INTERVAL=0s; the floor does not sleep) and
# times the reads; `doctor-default` runs with the defaults, the 2 s rate sample included (the
# growth of each queue and the event stream's rate come from it: the trade-off).
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
cleanup() {
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

export NO_COLOR=1 CELTOOL_REDIS_INTERVAL=0s
URL=redis://127.0.0.1:$PORT/$DB
DOCTOR="exec '$CELTOOL' doctor --url $URL --only broker --format json"
# doctor with its defaults: the 2 s rate sample (events and queue growth) included.
DOCTOR_DEFAULT="exec env -u CELTOOL_REDIS_INTERVAL '$CELTOOL' doctor --url $URL --only broker --format json"
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
    "floor=$FLOOR" "plain=$PLAIN" "doctor=$DOCTOR" "doctor-default=$DOCTOR_DEFAULT" "queues=$QUEUESCMD"
