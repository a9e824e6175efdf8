#!/usr/bin/env bash
# A PRIVATE RabbitMQ 4.0.5 node (or a small cluster of them) on this Debian 12 machine, whose own
# RabbitMQ is 3.10.8: Debian 13 (trixie)'s rabbitmq-server and Erlang 27 .debs are downloaded from
# Debian's archive, checked against the SHA256 in trixie's Packages index, and unpacked with
# `dpkg-deb -x` into a private prefix. Nothing is installed: no dpkg -i, no apt, nothing under /usr.
# Erlang 27 needs glibc >= 2.38 (Debian 12 has 2.36): trixie's libc, libssl, ncurses, zlib ... are
# unpacked too, and every ELF program of the private Erlang gets trixie's ld-linux as its interpreter
# and the private library directories as its RPATH (with trixie's patchelf, itself run through
# trixie's ld-linux), so the Erlang VM and its helpers (erl_child_setup, inet_gethost, epmd, the
# os_mon ports) load trixie's libraries while the shell tools RabbitMQ runs (sh, df) stay the
# machine's own.
#
#   bench/rmq4node.sh fetch            # download, verify, unpack, patch (cached in $RMQ4_PREFIX)
#   bench/rmq4node.sh up [N]           # start N (1-3, default 1) clustered private nodes; prints
#                                      # their ports; state in $RMQ4_PREFIX/run/nodes.env
#   bench/rmq4node.sh ctl I ARGS...    # rabbitmqctl against node I (1-based)
#   bench/rmq4node.sh queues I ARGS... # rabbitmq-queues against node I
#   bench/rmq4node.sh env              # the running nodes' ports (shell assignments)
#   bench/rmq4node.sh down             # stop every node this script started, delete their data
#
# Env: RMQ4_PREFIX (default /var/tmp/celtool-rmq4: the .deb cache and the unpacked tree stay there,
# node data lives under run/ and is deleted by `down`), RMQ4_MIRROR (default http://deb.debian.org/debian).
# Ports: AMQP, management and distribution ports below the kernel's ip_local_port_range (so no
# outgoing connection can hold them), and never the machine's own (4369, 5672, 15672, 25672). The
# nodes use their own epmd on a private port (ERL_EPMD_PORT), never the machine's.
set -euo pipefail

PREFIX=${RMQ4_PREFIX:-/var/tmp/celtool-rmq4}
MIRROR=${RMQ4_MIRROR:-http://deb.debian.org/debian}
ROOT=$PREFIX/root
RUN=$PREFIX/run
DEBS=$PREFIX/debs
RMQ_VERSION=4.0.5
# The packages, by name: RabbitMQ, the Erlang applications it depends on, and the libraries
# Erlang 27 links that Debian 12's are too old for (plus patchelf to point the programs at them).
PACKAGES=(rabbitmq-server erlang-base erlang-crypto erlang-asn1 erlang-public-key erlang-ssl
    erlang-runtime-tools erlang-eldap erlang-inets erlang-mnesia erlang-os-mon erlang-parsetools
    erlang-syntax-tools erlang-tools erlang-xmerl
    libc6 libgcc-s1 libstdc++6 libtinfo6 zlib1g libssl3t64 openssl-provider-legacy libzstd1
    libsystemd0 libcap2 patchelf)

die() { echo "rmq4node: $*" >&2; exit 1; }

fetch() {
    mkdir -p "$DEBS"
    local index=$PREFIX/Packages
    if [[ ! -s $index ]]; then
        curl -fsS -o "$index.xz" "$MIRROR/dists/trixie/main/binary-amd64/Packages.xz"
        xz -dc "$index.xz" >"$index.tmp" && mv "$index.tmp" "$index"
    fi
    # name filename sha256, one line per wanted package, from trixie's index.
    python3 - "$index" "${PACKAGES[@]}" >"$PREFIX/wanted" <<'EOF'
import sys
want = set(sys.argv[2:])
found = {}
for stanza in open(sys.argv[1], encoding="utf-8").read().split("\n\n"):
    f = dict(l.split(": ", 1) for l in stanza.splitlines() if ": " in l and not l.startswith(" "))
    if f.get("Package") in want and f.get("Architecture") in ("amd64", "all"):
        found[f["Package"]] = (f["Filename"], f["SHA256"])
missing = want - set(found)
if missing:
    sys.exit("not in trixie's index: " + " ".join(sorted(missing)))
for name in sorted(found):
    print(name, *found[name])
EOF
    local name file sum deb
    while read -r name file sum; do
        deb=$DEBS/$(basename "$file")
        if [[ ! -s $deb ]] || ! echo "$sum  $deb" | sha256sum -c --quiet - 2>/dev/null; then
            curl -fsS -o "$deb.part" "$MIRROR/$file"
            echo "$sum  $deb.part" | sha256sum -c --quiet - || die "SHA256 mismatch for $file"
            mv "$deb.part" "$deb"
        fi
    done <"$PREFIX/wanted"
    if [[ ! -e $ROOT/.unpacked ]]; then
        rm -rf "$ROOT"
        mkdir -p "$ROOT"
        while read -r name file sum; do dpkg-deb -x "$DEBS/$(basename "$file")" "$ROOT"; done <"$PREFIX/wanted"
        patch_tree
        touch "$ROOT/.unpacked"
    fi
    echo "rmq4node: RabbitMQ $RMQ_VERSION and Erlang unpacked in $ROOT"
}

LD=""
LIBS=""
set_loader() {
    LD=$ROOT/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
    [[ -e $LD ]] || LD=$ROOT/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
    LIBS=$ROOT/usr/lib/x86_64-linux-gnu:$ROOT/lib/x86_64-linux-gnu
}

# Point every ELF program of the private Erlang at trixie's loader and libraries, and the Erlang
# start scripts at the private tree (they name /usr/lib/erlang).
patch_tree() {
    set_loader
    local patchelf=("$LD" --library-path "$LIBS" "$ROOT/usr/bin/patchelf")
    local f
    while IFS= read -r -d '' f; do
        if "${patchelf[@]}" --print-interpreter "$f" >/dev/null 2>&1; then
            "${patchelf[@]}" --set-interpreter "$LD" --force-rpath --set-rpath "$LIBS" "$f"
        fi
    done < <(find "$ROOT/usr/lib/erlang" -type f -perm -u+x -print0)
    while IFS= read -r -d '' f; do
        if grep -Iq '/usr/lib/erlang' "$f" 2>/dev/null; then
            sed -i "s#/usr/lib/erlang#$ROOT/usr/lib/erlang#g" "$f"
        fi
    done < <(find "$ROOT/usr/lib/erlang/bin" "$ROOT/usr/lib/erlang/erts-"*/bin -type f -print0)
}

# A free port on 127.0.0.1 below the kernel's ephemeral range, none of the machine's node's and
# none of ARGS.
free_port() {
    python3 -c 'import random,socket,sys
low=int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
taken={4369,5672,15672,25672}|{int(a) for a in sys.argv[1:]}
for p in random.sample(range(10000, min(low, 32768)), 2000):
    if p in taken: continue
    s=socket.socket()
    try: s.bind(("127.0.0.1",p))
    except OSError: continue
    finally: s.close()
    print(p); break' "$@"
}

# The environment every RabbitMQ script of node I runs in: the private Erlang first on PATH, the
# private cookie, no machine env file.
node_env() {
    local i=$1
    echo env -i "PATH=$ROOT/usr/lib/erlang/bin:/usr/bin:/bin" "HOME=$RUN/home" LC_ALL=C.UTF-8 \
        "RABBITMQ_CONF_ENV_FILE=$RUN/rabbitmq-env.conf" "RABBITMQ_HOME=$ROOT/usr/lib/rabbitmq/lib/rabbitmq_server-$RMQ_VERSION"
}

ctl() {
    local i=$1 tool=$2; shift 2
    # shellcheck disable=SC1091
    . "$RUN/nodes.env"
    local name=NODE$i
    $(node_env "$i") "$ROOT/usr/lib/rabbitmq/bin/$tool" -n "${!name}" "$@"
}

start_node() {
    local i=$1 amqp=$2 dist=$3 mgmt=$4 name=$5 dir=$RUN/n$1
    mkdir -p "$dir/mnesia" "$dir/log"
    {
        echo "listeners.tcp.default = 127.0.0.1:$amqp"
        echo "management.tcp.ip = 127.0.0.1"
        echo "management.tcp.port = $mgmt"
        echo "loopback_users = none"
    } >"$dir/rabbitmq.conf"
    echo '[rabbitmq_management].' >"$dir/enabled_plugins"
    # shellcheck disable=SC2046
    setsid $(node_env "$i") RABBITMQ_NODENAME="$name" RABBITMQ_NODE_PORT="$amqp" \
        RABBITMQ_DIST_PORT="$dist" RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" \
        RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" RABBITMQ_ENABLED_PLUGINS=rabbitmq_management \
        RABBITMQ_ALLOW_INPUT=1 RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-noinput -kernel inet_dist_use_interface {127,0,0,1}" \
        "$ROOT/usr/lib/rabbitmq/bin/rabbitmq-server" >"$dir/stdout.log" 2>&1 </dev/null &
    echo "PID$i=$!" >>"$RUN/nodes.env"
}

wait_api() {
    local i=$1 mgmt=$2 pid=$3 t
    for t in $(seq 1 300); do
        curl -fs -m 5 -u guest:guest "http://127.0.0.1:$mgmt/api/overview?columns=node" >/dev/null 2>&1 && return 0
        kill -0 "$pid" 2>/dev/null || { tail -30 "$RUN/n$i/stdout.log" >&2; die "node $i exited"; }
        sleep 1
    done
    die "node $i: no management API after 300 s"
}

up() {
    local n=${1:-1} i taken=() amqp dist mgmt
    [[ $n =~ ^[1-3]$ ]] || die "N is 1, 2 or 3"
    [[ -e $ROOT/.unpacked ]] || fetch
    [[ ! -e $RUN/nodes.env ]] || die "nodes already up ($RUN/nodes.env): $0 down first"
    mkdir -p "$RUN/home"
    printf 'CELTOOLRMQ4%s' "$$" >"$RUN/home/.erlang.cookie"
    chmod 400 "$RUN/home/.erlang.cookie"
    : >"$RUN/rabbitmq-env.conf"
    : >"$RUN/nodes.env"
    echo "N=$n" >>"$RUN/nodes.env"
    for ((i = 1; i <= n; i++)); do
        amqp=$(free_port "${taken[@]}"); taken+=("$amqp")
        dist=$(free_port "${taken[@]}"); taken+=("$dist")
        mgmt=$(free_port "${taken[@]}"); taken+=("$mgmt")
        printf 'NODE%s=celtool-rmq4-%s@localhost\nAMQP%s=%s\nDIST%s=%s\nMGMT%s=%s\n' \
            "$i" "$i" "$i" "$amqp" "$i" "$dist" "$i" "$mgmt" >>"$RUN/nodes.env"
        start_node "$i" "$amqp" "$dist" "$mgmt" "celtool-rmq4-$i@localhost"
    done
    # shellcheck disable=SC1091
    . "$RUN/nodes.env"
    for ((i = 1; i <= n; i++)); do
        local m=MGMT$i p=PID$i
        wait_api "$i" "${!m}" "${!p}"
    done
    for ((i = 2; i <= n; i++)); do
        ctl "$i" rabbitmqctl stop_app >/dev/null
        ctl "$i" rabbitmqctl join_cluster "$NODE1" >/dev/null
        ctl "$i" rabbitmqctl start_app >/dev/null
    done
    cat "$RUN/nodes.env"
}

down() {
    [[ -e $RUN/nodes.env ]] || { rm -rf "$RUN"; return 0; }
    # shellcheck disable=SC1091
    . "$RUN/nodes.env"
    local i p
    for ((i = N; i >= 1; i--)); do
        timeout 60 "$0" ctl "$i" stop >/dev/null 2>&1 || true
    done
    for ((i = 1; i <= N; i++)); do
        p=PID$i
        [[ -n ${!p:-} ]] || continue
        for _ in $(seq 1 30); do kill -0 "${!p}" 2>/dev/null || break; sleep 1; done
        # Still there: its process group (setsid made the node its leader).
        if kill -0 "${!p}" 2>/dev/null; then kill -KILL -- "-${!p}" 2>/dev/null || true; fi
    done
    rm -rf "$RUN"
    echo "rmq4node: nodes stopped, $RUN deleted"
}

case ${1:-} in
    fetch) fetch ;;
    up) up "${2:-1}" ;;
    ctl) shift; i=$1; shift; ctl "$i" rabbitmqctl "$@" ;;
    queues) shift; i=$1; shift; ctl "$i" rabbitmq-queues "$@" ;;
    diagnostics) shift; i=$1; shift; ctl "$i" rabbitmq-diagnostics "$@" ;;
    env) cat "$RUN/nodes.env" ;;
    down) down ;;
    *) die "usage: $0 fetch|up [N]|ctl I ARGS|queues I ARGS|env|down" ;;
esac
