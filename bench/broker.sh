#!/usr/bin/env bash
# Broker benchmark: celtool doctor / queues against two curl floors (bench/reqlog.py: the requests
# doctor makes, and the 21 it made before issue 24), on a scratch vhost with
# QUEUES queues (default 10000; 50000 and 100000 are the big options: 100000 takes the broker
# about 3 minutes to declare and as long to delete; run it with ROUNDS 1; never on a broker
# others use: a 100 000-queue vhost put the shared node into a memory alarm. bench/bignode.sh
# measures the big sizes on a private node).
#
#   bench/broker.sh [QUEUES] [ROUNDS]
#
# Env: CELTOOL (binary, default target/release/celtool under $CARGO_TARGET_DIR or ./target),
#      BENCH_MESSAGES (default 300), BENCH_WARMUP (warm-up rounds, default 1), BENCH_JSON (append results as JSON lines to this file),
#      BENCH_TIMEOUT (celtool --timeout; default celtool's own, which scales to the broker),
#      BENCH_PYTHON_AMQP (a python with py-amqp for consumers; default: /work/main/.venv/bin/python
#      if it can import amqp, else no consumers).
# Always deletes its vhost (celtool-bench-*) on exit. Reports; exits 0 even when a target is missed.
set -euo pipefail

QUEUES=${1:-10000}
ROUNDS=${2:-5}
MESSAGES=${BENCH_MESSAGES:-300}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
CELTOOL=${CELTOOL:-${CARGO_TARGET_DIR:-$ROOT/target}/release/celtool}
API=http://127.0.0.1:15672/api
VHOST=celtool-bench-q${QUEUES}-$$
CONSUMER_PID=""

[[ -x $CELTOOL ]] || { echo "no celtool binary at $CELTOOL (cargo build --release)" >&2; exit 0; }

cleanup() {
    if [[ -n $CONSUMER_PID ]]; then kill "$CONSUMER_PID" 2>/dev/null || true; fi
    rm -rf "${FLOORS:-/nonexistent}"
    python3 "$HERE/mkvhost.py" delete "$VHOST" || echo "WARNING: could not delete vhost $VHOST" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

echo "== broker benchmark: $QUEUES queues, $MESSAGES messages, vhost $VHOST"
python3 "$HERE/mkvhost.py" create "$VHOST" "$QUEUES" "$MESSAGES"

# A few consumers (AMQP: the HTTP API cannot consume). celery, 4 task queues, 5 mailboxes, 2 event queues.
PY_AMQP=${BENCH_PYTHON_AMQP:-/work/main/.venv/bin/python}
CONSUMERS=0
if [[ -x $PY_AMQP ]] && PYTHONDONTWRITEBYTECODE=1 "$PY_AMQP" -c 'import amqp' 2>/dev/null; then
    mapfile -t EV < <(curl -s -m 600 -u guest:guest "$API/queues/$VHOST?columns=name" |
        python3 -c 'import json,sys; t=sys.stdin.read(); print("\n".join([q["name"] for q in (json.loads(t) if t.strip() else []) if q["name"].startswith("celeryev.")][:2]))')
    CQ=(celery tasks.q0 tasks.q1 tasks.q2 tasks.q3 w0@benchhost.celery.pidbox w1@benchhost.celery.pidbox
        w2@benchhost.celery.pidbox w3@benchhost.celery.pidbox w4@benchhost.celery.pidbox "${EV[@]}")
    PYTHONDONTWRITEBYTECODE=1 "$PY_AMQP" "$HERE/consume.py" "$VHOST" "${CQ[@]}" &
    CONSUMER_PID=$!
    CONSUMERS=${#CQ[@]}
else
    echo "  no python with py-amqp: no consumers (the HTTP API cannot consume)"
fi

python3 "$HERE/mkvhost.py" settle "$VHOST" "$QUEUES" "$MESSAGES" "$CONSUMERS"

# The floors: the requests doctor makes, logged by a proxy in front of the broker
# (bench/reqlog.py), fetched by curl (its first wave at once, then the node memory and the
# queue-detail pages two at a time). "floor21" is the same with the queue listing celtool sent
# before issue 24 (every queue with statistics, Queue::COLUMNS) and no detail pages: today's
# 21 requests.
TODAY_QUEUES='name,vhost,state,type,messages_ready,messages_unacknowledged,consumers,arguments,policy,effective_policy_definition,message_stats.publish_details.rate,message_stats.deliver_get_details.rate,message_stats.redeliver_details.rate,message_stats.ack_details.rate,message_stats.redeliver,message_stats.deliver_get,node,slave_nodes,synchronised_slave_nodes,members,online,leader,delivery_limit,durable,exclusive,auto_delete'
REQLOG=$(mktemp)
CELTOOL_USER=guest CELTOOL_PASSWORD=guest python3 "$HERE/reqlog.py" record "${API%/api}" "$REQLOG" -- \
    "$CELTOOL" doctor --only broker --vhost "$VHOST" --format json || true
echo "  doctor's requests: $(wc -l < "$REQLOG") ($(python3 -c 'import sys; print(sum(1 for l in open(sys.argv[1]) if l.startswith("/api/queues/") and len(l.split("?")[0].split("/")) == 5))' "$REQLOG") single-queue statistics reads)"
FLOORS=$(mktemp -d)
python3 "$HERE/reqlog.py" floor "${API%/api}" "$REQLOG" "$FLOORS/floor.sh"
python3 "$HERE/reqlog.py" floor "${API%/api}" "$REQLOG" "$FLOORS/floor21.sh" --today "$TODAY_QUEUES"
rm -f "$REQLOG"
FLOOR="exec bash $FLOORS/floor.sh"
FLOOR21="exec bash $FLOORS/floor21.sh"
G="curl -s -o /dev/null -u guest:guest"
# celtool runs with its defaults: the wait for the queue list scales with the queue count the
# overview reports (before, a fixed 10 s per request failed at 50 000 queues).
export CELTOOL_URL=http://127.0.0.1:15672 CELTOOL_USER=guest CELTOOL_PASSWORD=guest NO_COLOR=1
if [[ -n ${BENCH_TIMEOUT:-} ]]; then export CELTOOL_TIMEOUT=$BENCH_TIMEOUT; fi
DOCTOR="exec '$CELTOOL' doctor --only broker --vhost $VHOST --format json"
QUEUESCMD="exec '$CELTOOL' queues --vhost $VHOST --format json"

# Sizes of what is fetched, and a sanity check that doctor and queues actually read the vhost.
size() { curl -s -o /dev/null -w '%{size_download}' -u guest:guest "$1"; }
echo "  body sizes: queues light $(size "$API/queues/$VHOST?columns=name&disable_stats=true&enable_queue_totals=true") B (names only)," \
    "today's columns $(size "$API/queues/$VHOST?columns=$TODAY_QUEUES") B"
rows=$(bash -c "$QUEUESCMD" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["queues"]))' 2>/dev/null || echo "?")
echo "  celtool queues lists $rows rows"
set +e
bash -c "$DOCTOR" >/dev/null
echo "  celtool doctor exit code $? (findings, not a failure)"
set -e

python3 "$HERE/alternate.py" --label "broker, $QUEUES queues" --rounds "$ROUNDS" --warmup "${BENCH_WARMUP:-1}" \
    --baseline floor21 ${BENCH_JSON:+--json "$BENCH_JSON"} \
    "floor21=$FLOOR21" "floor=$FLOOR" "doctor=$DOCTOR" "queues=$QUEUESCMD"
echo "targets (issue 24): doctor <= 0.6x floor21 (today's 21 requests); doctor <= 1.1x floor (its own requests, read the ratio doctor/floor from the two rows); doctor peak RSS <= 12 MiB at 10 000 queues"
