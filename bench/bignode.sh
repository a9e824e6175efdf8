#!/usr/bin/env bash
# Big brokers for real: a PRIVATE RabbitMQ node (never the machine's own on 5672/15672), filled
# with SIZES queues in the mix of bench/mkvhost.py (default "50000 100000": the vhost grows from
# one size to the next), and at each size `celtool doctor` and `celtool queues` WITH celtool's
# DEFAULTS (no --timeout, no --deadline) against curl fetching the same queue listing with the
# same columns=, alternating, ROUNDS rounds each: wall time, exit code, peak RSS (GNU time -v),
# the body size, and whether doctor's critical findings are in its report.
#
#   bench/bignode.sh [ROUNDS] [SIZES...]        # default 2 rounds, sizes 50000 100000
#
# At the last size, bench/bigdoctor.sh (doctor against the curl floors of its own requests and of
# the 21 it made before issue 24) and bench/workers.sh for 1 and 100 simulated workers (ping,
# fleet, probe readiness with and without --vhost) run against the same node.
# BENCH_HOLD=FILE: fill the node, write its coordinates to FILE and keep it up (no measurement)
# until FILE is deleted, for running those scripts by hand (BENCH_NODE_ENV=FILE).
#
# Env: CELTOOL (binary, default target/release/celtool under $CARGO_TARGET_DIR or ./target),
#      BENCH_MESSAGES (messages per size, default 300), BENCH_WATERMARK (the private node's
#      vm_memory_high_watermark.absolute, default 12GB), BENCH_IDLE_TIMEOUT (the private node's
#      management.tcp.idle_timeout in ms; default: not set, RabbitMQ's own: 60000),
#      BENCH_FILL_IDLE_TIMEOUT (ms: the idle_timeout while the node is filled and settled,
#      set back to RabbitMQ's own 60000 on the running node before anything is measured, so
#      that the fill's own listings are not cut and the measurements see the broker's defaults),
#      BENCH_RAISED_IDLE_TIMEOUT (ms: after the rounds at each size, raise the running node's
#      idle_timeout to this and time one more round, *-idle), BENCH_JSON (append
#      one JSON line per run to this file), BENCH_KEEP_OUTPUT (a directory for the reports).
# On a busy machine the 100 000-queue listing can outlast the broker's 60 s idle_timeout, and
# mkvhost.py's settle step then asks again for up to 10 minutes: BENCH_IDLE_TIMEOUT=300000
# avoids that (and measures a broker configured for its size).
# The node's data, logs, config and cookie live in one temporary directory; the node is stopped
# and the directory deleted on exit (also on INT/TERM). Reports; exits 0 when a target is missed.
set -euo pipefail

ROUNDS=${1:-2}
shift || true
SIZES=("$@")
[[ ${#SIZES[@]} -gt 0 ]] || SIZES=(50000 100000)
MESSAGES=${BENCH_MESSAGES:-300}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
CELTOOL=${CELTOOL:-${CARGO_TARGET_DIR:-$ROOT/target}/release/celtool}
SERVER=/usr/lib/rabbitmq/bin/rabbitmq-server
CTL=/usr/lib/rabbitmq/bin/rabbitmqctl
[[ -x $CELTOOL ]] || { echo "no celtool binary at $CELTOOL (cargo build --release)" >&2; exit 0; }
[[ -x $SERVER ]] || { echo "no $SERVER: install rabbitmq-server" >&2; exit 0; }

# Free ports that are none of the machine's own node's (4369 epmd, 5672, 15672, 25672).
free_port() {
    python3 -c 'import socket,sys
taken={4369,5672,15672,25672}|{int(a) for a in sys.argv[1:]}
while True:
    s=socket.socket(); s.bind(("127.0.0.1",0)); p=s.getsockname()[1]; s.close()
    if p not in taken: print(p); break' "$@"
}
AMQP=$(free_port)
DIST=$(free_port "$AMQP")
MGMT=$(free_port "$AMQP" "$DIST")
NODE=celtool-bignode-$$@localhost
DIR=$(mktemp -d /var/tmp/celtool-bignode.XXXXXX)
SERVER_PID=""
mkdir -p "$DIR/home" "$DIR/mnesia" "$DIR/log"
printf 'CELTOOLBIGNODE%s' "$$" >"$DIR/home/.erlang.cookie"
chmod 400 "$DIR/home/.erlang.cookie"
: >"$DIR/rabbitmq-env.conf"   # not the machine's (it sets NODENAME=rabbit@localhost)
echo '[rabbitmq_management].' >"$DIR/enabled_plugins"
{
    echo "listeners.tcp.default = 127.0.0.1:$AMQP"
    echo "management.tcp.ip = 127.0.0.1"
    echo "management.tcp.port = $MGMT"
    echo "loopback_users = none"
    echo "vm_memory_high_watermark.absolute = ${BENCH_WATERMARK:-12GB}"
    if [[ -n ${BENCH_IDLE_TIMEOUT:-${BENCH_FILL_IDLE_TIMEOUT:-}} ]]; then
        echo "management.tcp.idle_timeout = ${BENCH_IDLE_TIMEOUT:-$BENCH_FILL_IDLE_TIMEOUT}"
    fi
} >"$DIR/rabbitmq.conf"

cleanup() {
    set +e
    if [[ -n $SERVER_PID ]]; then
        timeout 120 "$CTL" -n "$NODE" stop >/dev/null 2>&1 </dev/null &
        local stopper=$! i
        wait "$stopper"
        for i in $(seq 1 60); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 1; done
        # Still there: the whole process group (the VM, epmd is the machine's and not ours).
        if kill -0 "$SERVER_PID" 2>/dev/null; then kill -KILL -- "-$SERVER_PID" 2>/dev/null; fi
    fi
    rm -rf "$DIR"
    echo "== private node $NODE stopped, $DIR deleted"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
# rabbitmqctl must find the node's cookie and not the machine's env file.
export HOME="$DIR/home" RABBITMQ_CONF_ENV_FILE="$DIR/rabbitmq-env.conf"

echo "== private node $NODE: amqp $AMQP, dist $DIST, management $MGMT, data $DIR"
echo "   $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), MemAvailable $(awk '/MemAvailable/ {print $2" kB"}' /proc/meminfo), $(rabbitmqctl version 2>/dev/null || echo RabbitMQ) / Erlang $(erl -noshell -eval 'io:format("~s",[erlang:system_info(otp_release)]),halt().' 2>/dev/null)"
setsid bash -c 'exec "$@" >"'"$DIR"'/stdout.log" 2>&1 </dev/null' _ env -i PATH="$PATH" HOME="$DIR/home" LC_ALL=C.UTF-8 \
    RABBITMQ_CONF_ENV_FILE="$DIR/rabbitmq-env.conf" RABBITMQ_NODENAME="$NODE" RABBITMQ_NODE_PORT="$AMQP" \
    RABBITMQ_DIST_PORT="$DIST" RABBITMQ_MNESIA_BASE="$DIR/mnesia" RABBITMQ_LOG_BASE="$DIR/log" \
    RABBITMQ_CONFIG_FILE="$DIR/rabbitmq.conf" RABBITMQ_ADVANCED_CONFIG_FILE="$DIR/advanced.config" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$DIR/enabled_plugins" RABBITMQ_ENABLED_PLUGINS=rabbitmq_management \
    RABBITMQ_ALLOW_INPUT=1 RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-noinput -kernel inet_dist_use_interface {127,0,0,1}" \
    "$SERVER" &
SERVER_PID=$!
API=http://127.0.0.1:$MGMT/api
for i in $(seq 1 300); do
    curl -fs -m 5 -u guest:guest "$API/overview?columns=node" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "the node exited:"; tail -30 "$DIR/stdout.log"; exit 0; }
    sleep 1
done
curl -fs -m 5 -u guest:guest "$API/overview?columns=node" >/dev/null || { echo "no management API after 300 s"; tail -30 "$DIR/stdout.log"; exit 0; }
echo "   node up after ${i} s"
export BENCH_MGMT_PORT=$MGMT

C_QUEUES='name,vhost,state,type,messages_ready,messages_unacknowledged,consumers,arguments,policy,effective_policy_definition,message_stats.publish_details.rate,message_stats.deliver_get_details.rate,message_stats.redeliver_details.rate,message_stats.ack_details.rate'
VHOST=celtool-bench-big-$$
# The node's own ports: AMQP too (doctor asks the workers there), not the machine's 5672.
export CELTOOL_URL=http://127.0.0.1:$MGMT CELTOOL_AMQP_URL=amqp://127.0.0.1:$AMQP CELTOOL_USER=guest CELTOOL_PASSWORD=guest NO_COLOR=1
unset CELTOOL_TIMEOUT CELTOOL_DEADLINE || true
OUT=${BENCH_KEEP_OUTPUT:-$DIR/out}
mkdir -p "$OUT"

# One timed run: NAME SIZE ROUND CMD... -> a line with wall, exit code, peak RSS, and the JSON line.
measure() {
    local name=$1 size=$2 round=$3; shift 3
    local base="$OUT/$name-$size-$round"
    set +e
    /usr/bin/time -v -o "$base.time" "$@" >"$base.out" 2>"$base.err"
    local rc=$?
    set -e
    python3 - "$name" "$size" "$round" "$rc" "$base" "${BENCH_JSON:-}" <<'EOF'
import json, re, sys
name, size, rnd, rc, base, jsonl = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
t = open(base + ".time").read()
def field(label):
    m = re.search(r"^\s*" + re.escape(label) + r": (.*)$", t, re.M)
    return m.group(1).strip() if m else ""
wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)")
parts = [float(x) for x in wall.split(":")]
secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
rss = int(field("Maximum resident set size (kbytes)") or 0)
cpu = float(field("User time (seconds)") or 0) + float(field("System time (seconds)") or 0)
out = open(base + ".out", "rb").read()
err = open(base + ".err", "rb").read().decode(errors="replace").strip().splitlines()
rec = {"name": name, "queues": size, "round": rnd, "wall_s": round(secs, 2), "rc": rc,
       "peak_rss_kib": rss, "cpu_s": round(cpu, 2), "stdout_bytes": len(out)}
note = ""
if name.startswith("doctor"):
    try:
        rep = json.loads(out)
        fs = rep.get("findings", [])
        rec["findings"] = len(fs)
        crit = sorted({f["id"] for f in fs if f.get("severity") == "crit"})
        unk = [f"{f['id']} {f.get('subject','')}: {f.get('summary','')}" for f in fs if f.get("severity") == "unknown"]
        rec["crit_ids"] = crit
        rec["unknown"] = unk
        note = f" findings {len(fs)}, crit {crit}, unknown {unk[:3]}"
    except Exception as e:
        note = f" (report not JSON: {e})"
elif name.startswith("queues"):
    try:
        rows = json.loads(out)["queues"]
        rec["rows"] = len(rows)
        note = f" rows {len(rows)}"
    except Exception as e:
        note = f" (not JSON: {e})"
elif name.startswith("curl"):
    rec["body_bytes"] = len(out)
if err and rc != 0:
    rec["stderr"] = err[0][:300]
    note += f" stderr: {err[0][:300]}"
print(f"  {name:7} {size:6} r{rnd}: {secs:7.2f} s  exit {rc}  peak RSS {rss / 1024:6.1f} MiB  CPU {cpu:.2f} s  out {len(out)} B{note}")
if jsonl:
    with open(jsonl, "a") as f:
        f.write(json.dumps(rec) + "\n")
EOF
}

have=0
for size in "${SIZES[@]}"; do
    echo "== $size queues (vhost $VHOST)"
    BENCH_SKIP=$have python3 "$HERE/mkvhost.py" create "$VHOST" "$size" "$MESSAGES"
    python3 "$HERE/mkvhost.py" settle "$VHOST" "$size" 1 0
    have=$size
    if [[ -n ${BENCH_FILL_IDLE_TIMEOUT:-} && -z ${BENCH_IDLE_TIMEOUT:-} ]]; then
        back=$(timeout 120 "$CTL" -n "$NODE" eval "[begin ranch:set_protocol_options(R, maps:put(idle_timeout, 60000, ranch:get_protocol_options(R))), maps:get(idle_timeout, ranch:get_protocol_options(R)) end || {R = {acceptor, _, $MGMT}, _} <- maps:to_list(ranch:info())]." 2>&1 | tr -d '\n')
        echo "   filled with idle_timeout $BENCH_FILL_IDLE_TIMEOUT ms; set back to RabbitMQ's default on the running node: $back ms"
    fi
    if [[ -n ${BENCH_HOLD:-} ]]; then continue; fi
    echo "   node: $(curl -s -m 120 -u guest:guest "$API/nodes?columns=mem_used,mem_limit,mem_alarm" | tr -d '\n') load $(cut -d' ' -f1-3 /proc/loadavg)"
    CURL=(curl -s -S -u guest:guest "$API/queues/$VHOST?columns=$C_QUEUES")
    DOCTOR=("$CELTOOL" doctor --vhost "$VHOST" --format json)
    QUEUESCMD=("$CELTOOL" queues --vhost "$VHOST" --format json)
    names=(curl doctor queues)
    for ((r = 1; r <= ROUNDS; r++)); do
        for ((k = 0; k < 3; k++)); do
            n=${names[$(((k + r - 1) % 3))]}
            case $n in
                curl) measure curl "$size" "$r" "${CURL[@]}" ;;
                doctor) measure doctor "$size" "$r" "${DOCTOR[@]}" ;;
                queues) measure queues "$size" "$r" "${QUEUESCMD[@]}" ;;
            esac
        done
    done
    # RabbitMQ's management listener (Cowboy) closes a request it has not answered within its
    # idle_timeout (60 s by default): raise it on the running node (new connections get it) and
    # time one more round, to see what the listing costs past that limit.
    if [[ -n ${BENCH_RAISED_IDLE_TIMEOUT:-} ]]; then
        raised=$(timeout 120 "$CTL" -n "$NODE" eval "[begin ranch:set_protocol_options(R, maps:put(idle_timeout, $BENCH_RAISED_IDLE_TIMEOUT, ranch:get_protocol_options(R))), maps:get(idle_timeout, ranch:get_protocol_options(R)) end || {R = {acceptor, _, $MGMT}, _} <- maps:to_list(ranch:info())]." 2>&1 | tr -d '\n')
        echo "   management listener idle_timeout raised on the running node: $raised ms"
        for n in curl doctor queues; do
            case $n in
                curl) measure curl-idle "$size" 1 "${CURL[@]}" ;;
                doctor) measure doctor-idle "$size" 1 "${DOCTOR[@]}" ;;
                queues) measure queues-idle "$size" 1 "${QUEUESCMD[@]}" ;;
            esac
        done
        # Back to the node's own setting, so the next size starts from it again.
        back=$(timeout 120 "$CTL" -n "$NODE" eval "[begin ranch:set_protocol_options(R, maps:put(idle_timeout, ${BENCH_IDLE_TIMEOUT:-60000}, ranch:get_protocol_options(R))), maps:get(idle_timeout, ranch:get_protocol_options(R)) end || {R = {acceptor, _, $MGMT}, _} <- maps:to_list(ranch:info())]." 2>&1 | tr -d '\n')
        echo "   management listener idle_timeout set back: $back ms"
    fi
    # The human report once: how big is it for a person to read?
    set +e
    "$CELTOOL" doctor --vhost "$VHOST" >"$OUT/doctor-human-$size.txt" 2>&1
    echo "  doctor (human) exit $?: $(wc -l <"$OUT/doctor-human-$size.txt") lines, $(wc -c <"$OUT/doctor-human-$size.txt") bytes"
    set -e
done
# The node's coordinates, for bench/bigdoctor.sh and bench/workers.sh (BENCH_NODE_ENV).
NODE_ENV=$DIR/node.env
{
    echo "export BENCH_MGMT_PORT=$MGMT BENCH_AMQP_PORT=$AMQP BENCH_BIG_VHOST=$VHOST BENCH_BIG_NODE=$NODE"
    echo "export BENCH_BIG_QUEUES=$have BENCH_BIG_CTL_HOME=$DIR/home"
} >"$NODE_ENV"
# Hold mode: the node stays up, filled, for measurements run by hand (BENCH_NODE_ENV=FILE
# bench/bigdoctor.sh, bench/workers.sh), until FILE is deleted or this script is signalled.
if [[ -n ${BENCH_HOLD:-} ]]; then
    cp "$NODE_ENV" "$BENCH_HOLD.tmp"
    mv "$BENCH_HOLD.tmp" "$BENCH_HOLD"
    echo "== holding the node: $BENCH_HOLD (delete it to stop the node)"
    while [[ -f $BENCH_HOLD ]] && kill -0 "$SERVER_PID" 2>/dev/null; do sleep 5; done
    exit 0
fi
# At the last size, each form of the queue read once with curl (the broker's defaults: a form
# the broker does not answer within its idle_timeout is cut, curl exit 52 or 18), then doctor
# against the floors of bench/broker.sh, and the worker probes with 1 and 100 simulated workers
# in a vhost of their own beside the big one.
LIGHT='name,vhost,state,type,messages_ready,messages_unacknowledged,arguments,policy,node,members,online,leader,delivery_limit,durable,exclusive,auto_delete'
echo "== the forms of the queue read at $have queues, one curl each (load $(cut -d' ' -f1-3 /proc/loadavg))"
forms=(
    "light listing (doctor's)|queues/$VHOST?disable_stats=true&enable_queue_totals=true&columns=$LIGHT"
    "light listing without counters|queues/$VHOST?disable_stats=true&columns=$LIGHT"
    "statistics listing, 3 columns|queues/$VHOST?columns=name,messages_ready,messages_unacknowledged"
    "page of 500 sorted by messages|queues/$VHOST?page=1&page_size=500&sort=messages&sort_reverse=true&columns=name,messages"
    "definitions of the vhost|definitions/$VHOST"
    "the vhost's totals|vhosts/$VHOST?columns=name,messages"
    "one queue (celery)|queues/$VHOST/celery"
)
for form in "${forms[@]}"; do
    what=${form%%|*} path=${form#*|}
    set +e
    line=$(curl -s -o /dev/null -u guest:guest -m 600 -w '%{time_total} %{size_download} %{http_code}' "$API/$path")
    rc=$?
    set -e
    read -r secs bytes code <<<"$line"
    printf '  %-34s %8.2f s  %10s B  http %s  curl exit %s\n' "$what" "$secs" "$bytes" "$code" "$rc"
    if [[ -n ${BENCH_JSON:-} ]]; then
        printf '{"name":"form","form":"%s","queues":%s,"wall_s":%s,"bytes":%s,"http":"%s","rc":%s}\n' \
            "$what" "$have" "$secs" "$bytes" "$code" "$rc" >>"$BENCH_JSON"
    fi
done
BENCH_NODE_ENV=$NODE_ENV "$HERE/bigdoctor.sh" "$ROUNDS" || echo "bigdoctor.sh failed: $?"
BENCH_NODE_ENV=$NODE_ENV "$HERE/workers.sh" 1 5 0 || echo "workers.sh 1 failed: $?"
BENCH_NODE_ENV=$NODE_ENV "$HERE/workers.sh" 100 5 5 || echo "workers.sh 100 failed: $?"
echo "targets: doctor with defaults completes with its critical findings at 50 000 queues;"
echo "         peak RSS < 64 MiB at 100 000 queues for doctor and queues"
