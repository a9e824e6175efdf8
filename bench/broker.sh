#!/usr/bin/env bash
# Broker benchmark: celtool doctor / queues against the floor (curl fetching the same endpoints
# with the same columns=, concurrently) and the naive full /api/queues, on a scratch vhost with
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

# The exact requests doctor sends (src/rabbitmq/read.rs, the COLUMNS of src/rabbitmq/records.rs):
# eight at once, then each running node's memory breakdown once the node list is in.
C_OVERVIEW='rabbitmq_version,management_version,product_version,cluster_name,node'
C_NODES='name,running,mem_used,mem_limit,mem_alarm,disk_free,disk_free_limit,disk_free_alarm,fd_used,fd_total,proc_used,proc_total'
C_QUEUES='name,vhost,state,type,messages_ready,messages_unacknowledged,consumers,arguments,policy,effective_policy_definition,message_stats.publish_details.rate,message_stats.deliver_get_details.rate,message_stats.redeliver_details.rate,message_stats.ack_details.rate'
C_CONNS='name,vhost,user,state,peer_host,peer_port,timeout,channels,recv_oct_details.rate,send_oct_details.rate,client_properties.product,client_properties.product_version,client_properties.connection_name'
C_CONSUMERS='queue.name,queue.vhost,channel_details.connection_name'
C_EXCHANGES='name,vhost,type,message_stats.publish_in_details.rate,message_stats.publish_out_details.rate'
NODE=$(curl -s -u guest:guest "$API/nodes?columns=name" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["name"])')
G="curl -s -o /dev/null -u guest:guest"
FLOOR="$G '$API/vhosts/$VHOST?columns=name' & $G '$API/overview?columns=$C_OVERVIEW' &
$G '$API/nodes?columns=$C_NODES' & $G '$API/queues/$VHOST?columns=$C_QUEUES' &
$G '$API/vhosts/$VHOST/connections?columns=$C_CONNS' & $G '$API/consumers/$VHOST?columns=$C_CONSUMERS' &
$G '$API/exchanges/$VHOST?columns=$C_EXCHANGES' & $G '$API/policies/$VHOST' & wait
$G '$API/nodes/$NODE/memory'"
NAIVE="$G '$API/queues/$VHOST'"
# celtool runs with its defaults: the wait for the queue list scales with the queue count the
# overview reports (before, a fixed 10 s per request failed at 50 000 queues).
export CELTOOL_URL=http://127.0.0.1:15672 CELTOOL_USER=guest CELTOOL_PASSWORD=guest NO_COLOR=1
if [[ -n ${BENCH_TIMEOUT:-} ]]; then export CELTOOL_TIMEOUT=$BENCH_TIMEOUT; fi
DOCTOR="exec '$CELTOOL' doctor --only broker --vhost $VHOST --format json"
QUEUESCMD="exec '$CELTOOL' queues --vhost $VHOST --format json"

# Sizes of what is fetched, and a sanity check that doctor and queues actually read the vhost.
size() { curl -s -o /dev/null -w '%{size_download}' -u guest:guest "$1"; }
echo "  body sizes: queues with columns $(size "$API/queues/$VHOST?columns=$C_QUEUES") B," \
    "full queues $(size "$API/queues/$VHOST") B"
rows=$(bash -c "$QUEUESCMD" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["queues"]))' 2>/dev/null || echo "?")
echo "  celtool queues lists $rows rows"
set +e
bash -c "$DOCTOR" >/dev/null
echo "  celtool doctor exit code $? (findings, not a failure)"
set -e

python3 "$HERE/alternate.py" --label "broker, $QUEUES queues" --rounds "$ROUNDS" --warmup "${BENCH_WARMUP:-1}" \
    --baseline floor ${BENCH_JSON:+--json "$BENCH_JSON"} \
    "floor=$FLOOR" "naive=$NAIVE" "doctor=$DOCTOR" "queues=$QUEUESCMD"
echo "targets: doctor/floor <= 1.3x; celtool peak RSS < 64 MiB at 10 000 queues (and at 100 000)"
