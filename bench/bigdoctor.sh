#!/usr/bin/env bash
# doctor on a private node's big vhost against the curl floors of bench/broker.sh (the requests
# doctor makes, logged by bench/reqlog.py, and "floor21": the 21 requests it made before issue
# 24), with celtool's and the broker's defaults (no --timeout, no --deadline, RabbitMQ's own
# management idle_timeout), alternating, ROUNDS rounds; plus `doctor --vhost V` whole (the
# workers asked too) for its exit code (goal: never 3).
#
#   BENCH_NODE_ENV=FILE bench/bigdoctor.sh [ROUNDS]      # default 3 rounds
#
# FILE is what `BENCH_HOLD=FILE bench/bignode.sh 1 100000` writes while it holds its node.
# Env: CELTOOL, BENCH_JSON (append results), BENCH_WARMUP (default 0: a run takes a minute).
# Reports; exits 0.
set -euo pipefail
ROUNDS=${1:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
CELTOOL=${CELTOOL:-${CARGO_TARGET_DIR:-$ROOT/target}/release/celtool}
[[ -x $CELTOOL ]] || { echo "no celtool binary at $CELTOOL (cargo build --release)" >&2; exit 0; }
[[ -n ${BENCH_NODE_ENV:-} && -f $BENCH_NODE_ENV ]] || { echo "BENCH_NODE_ENV: no node file" >&2; exit 0; }
# shellcheck disable=SC1090
source "$BENCH_NODE_ENV"
VHOST=$BENCH_BIG_VHOST
API=http://127.0.0.1:$BENCH_MGMT_PORT/api
FLOORS=$(mktemp -d)
trap 'rm -rf "$FLOORS"' EXIT
export CELTOOL_URL=http://127.0.0.1:$BENCH_MGMT_PORT CELTOOL_AMQP_URL=amqp://127.0.0.1:$BENCH_AMQP_PORT
export CELTOOL_USER=guest CELTOOL_PASSWORD=guest NO_COLOR=1
unset CELTOOL_TIMEOUT CELTOOL_DEADLINE || true
echo "== doctor on the private node $BENCH_BIG_NODE: $BENCH_BIG_QUEUES queues in vhost $VHOST, $ROUNDS rounds"
echo "   $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); node: $(curl -s -m 120 -u guest:guest "$API/nodes?columns=mem_used,mem_limit,mem_alarm" | tr -d '\n')"

TODAY_QUEUES='name,vhost,state,type,messages_ready,messages_unacknowledged,consumers,arguments,policy,effective_policy_definition,message_stats.publish_details.rate,message_stats.deliver_get_details.rate,message_stats.redeliver_details.rate,message_stats.ack_details.rate,message_stats.redeliver,message_stats.deliver_get,node,slave_nodes,synchronised_slave_nodes,members,online,leader,delivery_limit,durable,exclusive,auto_delete'
REQLOG=$FLOORS/requests
set +e
python3 "$HERE/reqlog.py" record "${API%/api}" "$REQLOG" -- \
    "$CELTOOL" doctor --only broker --vhost "$VHOST" --format json >/dev/null
echo "  recording run: exit $?; doctor's requests: $(wc -l <"$REQLOG") ($(python3 -c 'import sys; print(sum(1 for l in open(sys.argv[1]) if l.startswith("/api/queues/") and len(l.split("?")[0].split("/")) == 5))' "$REQLOG") single-queue statistics reads)"
set -e
python3 "$HERE/reqlog.py" floor "${API%/api}" "$REQLOG" "$FLOORS/floor.sh"
python3 "$HERE/reqlog.py" floor "${API%/api}" "$REQLOG" "$FLOORS/floor21.sh" --today "$TODAY_QUEUES"
# The floors' curls run with -f and each one's status counts (bench/reqlog.py): a listing the
# broker closed at its idle_timeout is a failed floor run.
python3 "$HERE/alternate.py" --label "bignode doctor, $BENCH_BIG_QUEUES queues" --rounds "$ROUNDS" \
    --warmup "${BENCH_WARMUP:-0}" --baseline floor21 ${BENCH_JSON:+--json "$BENCH_JSON"} \
    "floor21=exec bash $FLOORS/floor21.sh" "floor=exec bash $FLOORS/floor.sh" \
    "doctor=exec '$CELTOOL' doctor --only broker --vhost '$VHOST' --format json" \
    "doctor-all=exec '$CELTOOL' doctor --vhost '$VHOST' --format json"
echo "goals (issue 24): doctor <= 0.6x floor21 at 100 000 queues; never exit 3 with the broker's defaults"
