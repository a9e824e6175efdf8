#!/usr/bin/env bash
# Regenerate link/symbol-order.txt (see build.rs): the mangled names of the functions that a
# release celtool executes in its common runs, doctor's first, as callgrind saw them. The
# binary must be built with the release profile as it is (symbol names carry hashes of the
# profile, the dependencies' versions and celtool's version): regenerate after any of them
# changes, then build again.
#
#   cargo build --release && scripts/symbol-order.sh && cargo build --release
#
# Needs valgrind and python3. First, when the machine's RabbitMQ answers, doctor on a scratch
# vhost of it (bench/mkvhost.py: 1 000 queues of the benchmark's mix, 100 messages, and
# bench/consume.py's consumers when the test venv has py-amqp; deleted on exit): the path
# bench/broker.sh measures (listing, consumers, connections, single-queue reads), placed first.
# Then bench/replay.py (generated answers of 2 000 queues; once with the threshold of the
# definitions' path lowered to 1 000); doctor again, ping, fleet and readiness go to the
# machine's RabbitMQ when one answers (they only need to run, not to find anything).
# Env: CELTOOL (default target/release/celtool).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(realpath "${CELTOOL:-${CARGO_TARGET_DIR:-$ROOT/target}/release/celtool}")
command -v valgrind >/dev/null || { echo "symbol-order: valgrind is needed" >&2; exit 1; }
[[ -x $BIN ]] || { echo "symbol-order: no binary at $BIN (cargo build --release)" >&2; exit 1; }
if ! nm "$BIN" 2>/dev/null | grep ' main$' >/dev/null; then
    echo "symbol-order: $BIN has no symbol table (profile.release.strip must keep symbols)" >&2
    exit 1
fi
WORK=$(mktemp -d)
REPLAY_PID=
SCRATCH=
CONSUMER_PID=
cleanup() {
    [[ -n $REPLAY_PID ]] && kill "$REPLAY_PID" 2>/dev/null
    [[ -n $CONSUMER_PID ]] && kill "$CONSUMER_PID" 2>/dev/null
    [[ -n $SCRATCH ]] && python3 "$ROOT/bench/mkvhost.py" delete "$SCRATCH" >/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
n=0
cg() { # args... : one callgrind run, its output numbered in run order
    n=$((n + 1))
    timeout 600 valgrind --tool=callgrind --demangle=no --compress-strings=no --compress-pos=no \
        --callgrind-out-file="$WORK/$(printf %03d $n).out" "$BIN" "$@" >/dev/null 2>&1 || true
}
if curl -sf -m 5 -o /dev/null -u guest:guest http://127.0.0.1:15672/api/overview; then
    SCRATCH=celtool-bench-order-$$
    python3 "$ROOT/bench/mkvhost.py" create "$SCRATCH" 1000 100 >/dev/null
    PY_AMQP=$ROOT/.venv/bin/python
    consumers=0
    if [[ -x $PY_AMQP ]] && "$PY_AMQP" -c 'import amqp' 2>/dev/null; then
        PYTHONDONTWRITEBYTECODE=1 "$PY_AMQP" "$ROOT/bench/consume.py" "$SCRATCH" celery tasks.q0 \
            w0@benchhost.celery.pidbox >/dev/null &
        CONSUMER_PID=$!
        consumers=3
    fi
    python3 "$ROOT/bench/mkvhost.py" settle "$SCRATCH" 1000 100 "$consumers" >/dev/null
    cg doctor --only broker --vhost "$SCRATCH" --format json --timeout 300s
    cg doctor --only broker --vhost "$SCRATCH" --timeout 300s
fi
coproc REPLAY { exec python3 "$ROOT/bench/replay.py" 2000; }
REPLAY_PID=$REPLAY_PID
read -r _ url <&"${REPLAY[0]}"
at=(--url "$url" --vhost celtool-bench)
cg "${at[@]}" doctor --only broker --format json --timeout 300s
cg "${at[@]}" doctor --only broker --timeout 300s
cg "${at[@]}" doctor --only broker --format prometheus --timeout 300s
cg "${at[@]}" doctor --only broker --format nagios --timeout 300s
# doctor's path on a node of 50 000 queues or more (the definitions stand in for the listing),
# reached at replay's 2 000 with the threshold lowered.
printf '[thresholds]\n"broker.queues.unlisted" = { warn = 1000 }\n' > "$WORK/big.toml"
cg "${at[@]}" doctor --only broker --format json --timeout 300s --config "$WORK/big.toml"
cg "${at[@]}" queues --format json --timeout 300s
cg "${at[@]}" queues --timeout 300s
cg "${at[@]}" doctor --timeout 300s
# The machine's RabbitMQ (celtool's default URL), when one answers: the health checks, the
# consumer, connection and channel listings, the single-queue reads and the AMQP connection
# of a real broker, which replay.py answers with 404s or not at all.
cg doctor --only broker --vhost / --timeout 300s
cg doctor --vhost / --timeout 300s
cg ping --timeout 60s
cg fleet --timeout 60s
cg probe readiness celery@nowhere --timeout 60s
mkdir -p "$WORK/tmp"
cg prune-tmp "$WORK/tmp" --older-than 1h
cg inodes
cg workers
cg --version
cg --help
cg doctor --help
cg explain events.no-ttl
python3 - "$BIN" "$WORK" "$ROOT/link/symbol-order.txt" <<'PY'
import os, sys
binary, work, out = sys.argv[1:]
seen, order = set(), []
for name in sorted(os.listdir(work)):
    if not name.endswith(".out"):
        continue
    ob = None
    with open(os.path.join(work, name), errors="replace") as f:
        for line in f:
            if line.startswith("ob="):
                ob = line[3:].strip()
            elif line.startswith("fn=") and ob and os.path.realpath(ob) == binary:
                fn = line[3:].strip()
                if fn.startswith("0x") or fn in seen:
                    continue
                seen.add(fn)
                order.append(fn)
with open(out, "w") as f:
    f.write("".join(fn + "\n" for fn in order))
print(f"symbol-order: {len(order)} functions into {out}")
PY
