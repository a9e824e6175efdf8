#!/usr/bin/env bash
# The busy shared broker the test suite must pass on (issue 18's acceptance), made on THIS
# machine's RabbitMQ as another user of it would: a vhost (celtool-bench-busy-other) with 10 000 queues (which also lifts
# the management plugin's share of memory), and Celery workers with events on in a vhost of
# their own. Nothing of the node's configuration is touched.
#
#   bench/busy-broker.sh up [QUEUES] [WORKERS]   # default 10000 queues, 2 workers
#   bench/busy-broker.sh down                    # stop those workers (by pid), delete the vhosts
#
# Then run ./scripts/test.sh as usual. The workers run from the test venv (CELTOOL_TEST_VENV,
# default .venv: scripts/test-setup.sh makes it); their pids are in $STATE/pids.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

STATE=${BUSY_STATE:-/var/tmp/celtool-busy-broker}
VENV=${CELTOOL_TEST_VENV:-$PWD/.venv}
QUEUES_VHOST=celtool-bench-busy-other
WORKERS_VHOST=celtool-busy-workers
API=http://127.0.0.1:15672/api

down() {
    if [[ -f $STATE/pids ]]; then
        while read -r pid; do
            # Only the process groups this script started (setsid made each its own leader).
            kill -TERM -- "-$pid" 2>/dev/null || true
        done <"$STATE/pids"
        for _ in $(seq 1 30); do
            alive=0
            while read -r pid; do kill -0 "$pid" 2>/dev/null && alive=1; done <"$STATE/pids"
            [[ $alive -eq 0 ]] && break
            sleep 1
        done
        while read -r pid; do kill -KILL -- "-$pid" 2>/dev/null || true; done <"$STATE/pids"
        rm -f "$STATE/pids"
    fi
    python3 bench/mkvhost.py delete "$QUEUES_VHOST" >/dev/null 2>&1 || true
    curl -fs -m 60 -u guest:guest -X DELETE "$API/vhosts/$WORKERS_VHOST" >/dev/null 2>&1 || true
    echo "busy broker: down"
}

up() {
    local queues=${1:-10000} workers=${2:-2}
    [[ -x $VENV/bin/celery ]] || { echo "no Celery in $VENV: run scripts/test-setup.sh" >&2; exit 1; }
    mkdir -p "$STATE"
    echo "busy broker: $queues queues in vhost $QUEUES_VHOST"
    python3 bench/mkvhost.py create "$QUEUES_VHOST" "$queues" 300
    curl -fs -m 60 -u guest:guest -X PUT "$API/vhosts/$WORKERS_VHOST" >/dev/null
    for i in $(seq 1 "$workers"); do
        # exec: the background job's pid is the worker's, leader of its own process group.
        (cd tests/fixtures/celery_app &&
            CELTOOL_TEST_BROKER="amqp://guest:guest@127.0.0.1:5672/$WORKERS_VHOST" \
                exec setsid "$VENV/bin/celery" -A celtool_testapp worker -E -n "busy$i@%h" -c 1 \
                --loglevel=warning) >"$STATE/worker$i.log" 2>&1 </dev/null &
        echo $! >>"$STATE/pids"
    done
    echo "busy broker: $workers worker(s) with events on in vhost $WORKERS_VHOST (pids in $STATE/pids)"
    curl -fs -m 60 -u guest:guest "$API/nodes?columns=name,mem_used" | python3 -c '
import json, sys, urllib.request, base64
for n in json.load(sys.stdin):
    req = urllib.request.Request("http://127.0.0.1:15672/api/nodes/%s/memory" % n["name"],
        headers={"Authorization": "Basic " + base64.b64encode(b"guest:guest").decode()})
    m = json.load(urllib.request.urlopen(req, timeout=60))["memory"]
    total = m["total"]["erlang"] if isinstance(m.get("total"), dict) else 0
    mgmt = m.get("mgmt_db", 0) + m.get("metrics", 0)
    print("busy broker: management plugin %.0f %% of %s memory" % (100.0 * mgmt / max(total, 1), n["name"]))
' || true
}

case ${1:-} in
up) shift; up "$@" ;;
down) down ;;
*) echo "usage: $0 up [QUEUES] [WORKERS] | down" >&2; exit 3 ;;
esac
