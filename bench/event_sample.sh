#!/usr/bin/env bash
# doctor's event sample (workers.mixed-durations): `celtool doctor --only broker` with the sample
# against the same run with --no-event-sample (the floor), alternating, in one vhost with one
# real Celery 5.7 worker (prefork, concurrency 2) kept busy with fast tasks; first without task
# events (the sample must add nothing), then with -E (it may add at most its window, 3 s).
#
#   bench/event_sample.sh [ROUNDS]          # default 5 rounds
#
# Env: CELTOOL (binary, default target/release/celtool under $CARGO_TARGET_DIR or ./target),
#      CELTOOL_TEST_VENV (venv with celery, default /work/main/.venv).
# Always deletes its vhosts (celtool-bench-events-*) and stops the worker and the producer.
set -euo pipefail

ROUNDS=${1:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
CELTOOL=${CELTOOL:-${CARGO_TARGET_DIR:-$ROOT/target}/release/celtool}
VENV=${CELTOOL_TEST_VENV:-/work/main/.venv}
API=http://127.0.0.1:15672/api
APP=$ROOT/tests/fixtures/celery_app
VHOST=""
WORKER=""
LOAD=""

[[ -x $CELTOOL ]] || { echo "no celtool binary at $CELTOOL (cargo build --release)" >&2; exit 0; }
[[ -x $VENV/bin/celery ]] || { echo "no celery in $VENV (scripts/test-setup.sh)" >&2; exit 0; }

cleanup() {
    # Each started in its own process group (setsid): end the group, by its id.
    [[ -n $LOAD ]] && kill -- "-$LOAD" 2>/dev/null || true
    if [[ -n $WORKER ]]; then
        kill -TERM -- "-$WORKER" 2>/dev/null || true
        for _ in $(seq 20); do kill -0 "$WORKER" 2>/dev/null || break; sleep 0.5; done
        kill -KILL -- "-$WORKER" 2>/dev/null || true
    fi
    [[ -n $VHOST ]] && curl -s -u guest:guest -X DELETE "$API/vhosts/$VHOST" >/dev/null || true
    LOAD="" WORKER="" VHOST=""
}
trap cleanup EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for mode in off on; do
    VHOST=celtool-bench-events-$mode-$$
    curl -sf -u guest:guest -X PUT "$API/vhosts/$VHOST" >/dev/null
    curl -sf -u guest:guest -X PUT -H 'content-type: application/json' \
        -d '{"configure":".*","write":".*","read":".*"}' "$API/permissions/$VHOST/guest" >/dev/null
    export PYTHONPATH=$APP CELTOOL_TEST_BROKER=amqp://guest:guest@127.0.0.1:5672/$VHOST C_FORCE_ROOT=1
    flag=(); [[ $mode == on ]] && flag=(-E)
    setsid "$VENV/bin/celery" -A celtool_testapp worker -n bench@%h --pool prefork \
        --concurrency 2 "${flag[@]}" >/dev/null 2>&1 &
    WORKER=$!
    for _ in $(seq 300); do
        "$CELTOOL" ping --vhost "$VHOST" --format json 2>/dev/null | grep -q '"answered": 1' && break
        sleep 1
    done
    setsid "$VENV/bin/python" -c '
import time, celtool_testapp as m
while True:
    m.sleep.delay(0); time.sleep(0.05)
' >/dev/null 2>&1 &
    LOAD=$!
    sleep 3
    : >"/tmp/celtool-bench-events-$$.sample"; : >"/tmp/celtool-bench-events-$$.floor"
    for _ in $(seq "$ROUNDS"); do
        for arg in sample floor; do
            extra=(); [[ $arg == floor ]] && extra=(--no-event-sample)
            s=$(date +%s.%N)
            "$CELTOOL" doctor --only broker --format json --vhost "$VHOST" "${extra[@]}" >/dev/null || true
            e=$(date +%s.%N)
            echo "$e - $s" | bc >>"/tmp/celtool-bench-events-$$.$arg"
        done
    done
    s=$(median <"/tmp/celtool-bench-events-$$.sample")
    f=$(median <"/tmp/celtool-bench-events-$$.floor")
    printf 'task events %-3s  doctor with sample %6.2f s  --no-event-sample %6.2f s  difference %+6.2f s  (medians of %d, load %s)\n' \
        "$mode" "$s" "$f" "$(echo "$s - $f" | bc)" "$ROUNDS" "$(cut -d' ' -f1 /proc/loadavg)"
    rm -f "/tmp/celtool-bench-events-$$.sample" "/tmp/celtool-bench-events-$$.floor"
    cleanup
done
