#!/usr/bin/env bash
# Workers benchmark: `celtool ping` against `celery inspect ping` (Celery 5.7 from the test venv),
# in the same run, against N simulated pidbox nodes (bench/pidbox_sim.py: one kombu process
# answering as N workers), in two scenarios: every node answers; and K more nodes are hung
# (consume their mailbox, never answer), where celtool asks them a second time.
#
#   bench/workers.sh [NODES] [ROUNDS] [SILENT]      # default 100 nodes, 5 rounds, 5 silent
#
# Besides `celtool ping --vhost V`, scenario 1 times `fleet --vhost V` and `probe readiness
# sim0@bench --vhost V` (the simulator answers every method they ask), and, on a private node
# (BENCH_NODE_ENV), the three without --vhost (on the machine's shared broker other sessions'
# Celery vhosts would be asked too).
# Env: CELTOOL (binary, default target/release/celtool under $CARGO_TARGET_DIR or ./target),
#      CELTOOL_TEST_VENV (venv with celery, default /work/main/.venv), BENCH_JSON (append results),
#      BENCH_NODE_ENV (the file `BENCH_HOLD=FILE bench/bignode.sh` writes: ask the workers on
#      that private node, which holds its big vhost, instead of the machine's broker).
# Always deletes its vhost (celtool-bench-workers-*) and stops the simulator on exit.
set -euo pipefail

NODES=${1:-100}
ROUNDS=${2:-5}
SILENT=${3:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
CELTOOL=${CELTOOL:-${CARGO_TARGET_DIR:-$ROOT/target}/release/celtool}
VENV=${CELTOOL_TEST_VENV:-/work/main/.venv}
MGMT=15672
AMQP=5672
PRIVATE=0
if [[ -n ${BENCH_NODE_ENV:-} ]]; then
    # shellcheck disable=SC1090
    source "$BENCH_NODE_ENV"
    MGMT=$BENCH_MGMT_PORT AMQP=$BENCH_AMQP_PORT PRIVATE=1
    echo "== on the private node $BENCH_BIG_NODE (management $MGMT, amqp $AMQP): $BENCH_BIG_QUEUES queues in vhost $BENCH_BIG_VHOST"
fi
API=http://127.0.0.1:$MGMT/api
VHOST=celtool-bench-workers-$$
SIM_PID=""
TMP=$(mktemp -d)

[[ -x $CELTOOL ]] || { echo "no celtool binary at $CELTOOL (cargo build --release)" >&2; exit 0; }
[[ -x $VENV/bin/celery ]] || { echo "no celery in $VENV (scripts/test-setup.sh)" >&2; exit 0; }

stop_sim() {
    if [[ -n $SIM_PID ]]; then kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; fi
    SIM_PID=""
}
cleanup() {
    stop_sim
    curl -s -o /dev/null -u guest:guest -X DELETE "$API/vhosts/$VHOST" || echo "WARNING: could not delete vhost $VHOST" >&2
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

curl -sf -o /dev/null -u guest:guest -X PUT "$API/vhosts/$VHOST"
curl -sf -o /dev/null -u guest:guest -X PUT -H 'content-type: application/json' \
    -d '{"configure":".*","write":".*","read":".*"}' "$API/permissions/$VHOST/guest"
BROKER=amqp://guest:guest@127.0.0.1:$AMQP/$VHOST

start_sim() { # answering silent
    rm -f "$TMP/ready"
    PYTHONDONTWRITEBYTECODE=1 "$VENV/bin/python" "$HERE/pidbox_sim.py" "$BROKER" "$1" --silent "$2" --ready "$TMP/ready" 2>"$TMP/sim.log" &
    SIM_PID=$!
    local want=$(( $1 + $2 ))
    for _ in $(seq 1 240); do
        local seen
        seen=$(curl -s -u guest:guest "$API/consumers/$VHOST?columns=queue.name" |
            python3 -c 'import json,sys; print(sum(1 for c in json.load(sys.stdin) if c["queue"]["name"].endswith("@bench.celery.pidbox")))' 2>/dev/null || echo 0)
        [[ -f $TMP/ready && $seen -ge $want ]] && return 0
        sleep 0.5
    done
    echo "simulator did not come up:" >&2; cat "$TMP/sim.log" >&2; exit 1
}

export CELTOOL_URL=http://127.0.0.1:$MGMT CELTOOL_AMQP_URL=amqp://127.0.0.1:$AMQP CELTOOL_USER=guest CELTOOL_PASSWORD=guest NO_COLOR=1
export PYTHONPATH=$ROOT/tests/fixtures/celery_app CELTOOL_TEST_BROKER=$BROKER PYTHONDONTWRITEBYTECODE=1
CELTOOL_CMD="exec '$CELTOOL' ping --vhost '$VHOST' --format json"
FLEET_CMD="exec '$CELTOOL' fleet --vhost '$VHOST' --format json"
READY_CMD="exec '$CELTOOL' probe readiness --node sim0@bench --vhost '$VHOST' --format json"
ANYWHERE=()
if [[ $PRIVATE == 1 ]]; then
    ANYWHERE=("ping-any=exec '$CELTOOL' ping --format json"
        "fleet-any=exec '$CELTOOL' fleet --format json"
        "readiness-any=exec '$CELTOOL' probe readiness --node sim0@bench --format json")
fi
CELERY_CMD="exec '$VENV/bin/celery' -A celtool_testapp inspect ping -j"
# Python start-up and Celery's import, for reading the celery figure: the same app, no broker I/O.
IMPORT_CMD="exec '$VENV/bin/python' -c 'import celtool_testapp'"

count() { # how many nodes each tool saw answering, as a sanity check
    local c k
    c=$(bash -c "$CELTOOL_CMD" | python3 -c 'import json,sys; print(json.load(sys.stdin)["answered"])' || true)
    k=$(bash -c "$CELERY_CMD" 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' || true)
    echo "  answered: celtool $c, celery inspect ping $k (of $1)"
    local what cmd
    for what in "fleet" "readiness" "${ANYWHERE[@]%%=*}"; do
        case $what in
            fleet) cmd=$FLEET_CMD ;; readiness) cmd=$READY_CMD ;;
            *) cmd=$(printf '%s\n' "${ANYWHERE[@]}" | grep "^$what=" | cut -d= -f2-) ;;
        esac
        echo "  $what: exit $(bash -c "$cmd" >/dev/null 2>&1; echo $?)"
    done
}

echo "== workers benchmark: $NODES simulated nodes, $ROUNDS rounds, vhost $VHOST"
echo "-- scenario 1: all $NODES nodes answer"
start_sim "$NODES" 0
count "$NODES"
python3 "$HERE/alternate.py" --rounds "$ROUNDS" --baseline celery --label "workers-$NODES" \
    ${BENCH_JSON:+--json "$BENCH_JSON"} \
    "celery=$CELERY_CMD" "celtool=$CELTOOL_CMD" "fleet=$FLEET_CMD" "readiness=$READY_CMD" \
    ${ANYWHERE[@]+"${ANYWHERE[@]}"} "python-import=$IMPORT_CMD"
stop_sim

echo "-- scenario 2: $NODES nodes answer, $SILENT more are hung (celtool pings them twice)"
start_sim "$NODES" "$SILENT"
count "$NODES"
python3 "$HERE/alternate.py" --rounds "$ROUNDS" --baseline celery --label "workers-$NODES-silent-$SILENT" \
    ${BENCH_JSON:+--json "$BENCH_JSON"} \
    "celery=$CELERY_CMD" "celtool=$CELTOOL_CMD"
stop_sim
