#!/usr/bin/env bash
# Prepare this machine for celtool's integration tests:
#   1. a running RabbitMQ node (started with `rabbitmq-server -detached` if needed),
#   2. the management plugin answering on http://127.0.0.1:15672 (guest/guest),
#   3. Redis answering on 127.0.0.1:6379 (started with redis-server --daemonize yes if needed),
#   4. promtool (Debian package prometheus, installed with apt-get when missing),
#   5. a Python virtualenv (default: <repo>/.venv, override with CELTOOL_TEST_VENV)
#      holding the pinned Celery set from scripts/requirements-test.txt.
#
# Idempotent and fast when everything is already in place. Works non-interactively
# (CI=true, no stdin), as root on a fresh Debian machine with python3 and RabbitMQ.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
REQUIREMENTS="$SCRIPT_DIR/requirements-test.txt"
VENV="${CELTOOL_TEST_VENV:-$REPO_ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
MGMT_URL="${CELTOOL_TEST_MGMT_URL:-http://127.0.0.1:15672}"
MGMT_AUTH="${CELTOOL_TEST_MGMT_AUTH:-guest:guest}"
RABBIT_START_TIMEOUT="${RABBIT_START_TIMEOUT:-60}"
MGMT_START_TIMEOUT="${MGMT_START_TIMEOUT:-90}"

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 DEBIAN_FRONTEND=noninteractive

log() { echo "test-setup: $*"; }
die() { echo "test-setup: ERROR: $*" >&2; exit 1; }

# ---------------------------------------------------------------- RabbitMQ node
rabbit_up() { timeout 20 rabbitmq-diagnostics -q ping -t 10 >/dev/null 2>&1; }

if ! rabbit_up; then
    command -v rabbitmq-server >/dev/null || die "rabbitmq-server not found; install RabbitMQ first"
    log "starting RabbitMQ (rabbitmq-server -detached)"
    rabbitmq-server -detached </dev/null >/dev/null 2>&1 || true
    deadline=$((SECONDS + RABBIT_START_TIMEOUT))
    until rabbit_up; do
        ((SECONDS < deadline)) || die "RabbitMQ did not answer 'rabbitmq-diagnostics ping' within ${RABBIT_START_TIMEOUT}s (see /var/log/rabbitmq/)"
        sleep 1
    done
    log "RabbitMQ is up"
fi

# ------------------------------------------------------------ management plugin
mgmt_up() { curl -fsS -m 5 -u "$MGMT_AUTH" "$MGMT_URL/api/overview" >/dev/null 2>&1; }

if ! mgmt_up; then
    log "enabling rabbitmq_management"
    rabbitmq-plugins enable rabbitmq_management </dev/null >/dev/null \
        || die "'rabbitmq-plugins enable rabbitmq_management' failed"
    deadline=$((SECONDS + MGMT_START_TIMEOUT))
    until mgmt_up; do
        ((SECONDS < deadline)) || die "management API $MGMT_URL/api/overview did not answer (as ${MGMT_AUTH%%:*}) within ${MGMT_START_TIMEOUT}s"
        sleep 1
    done
    log "management API is up at $MGMT_URL"
fi

# ------------------------------------------------------------------ Redis
# The Redis tests use databases 5-8 and 12 of the server on 127.0.0.1:6379 (and private servers of
# their own); start the machine's one if it is not running.
if command -v redis-server >/dev/null && ! redis-cli -p 6379 ping >/dev/null 2>&1; then
    log "starting redis-server on 127.0.0.1:6379"
    redis-server --bind 127.0.0.1 --port 6379 --daemonize yes >/dev/null \
        || die "redis-server did not start"
    for _ in $(seq 50); do redis-cli -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
redis-cli -p 6379 ping >/dev/null 2>&1 || die "no Redis on 127.0.0.1:6379 (apt-get install redis-server)"

# ------------------------------------------------------------------ promtool
# The tests lint every Prometheus exposition with `promtool check metrics` and run the alerting
# rules' unit tests with `promtool test rules` (Debian ships promtool in the prometheus package;
# its recommends are not needed). The format tests fail without it.
if ! command -v promtool >/dev/null; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        log "installing promtool (apt-get install --no-install-recommends prometheus)"
        { apt-get install -y -q --no-install-recommends prometheus \
            || { apt-get update -q && apt-get install -y -q --no-install-recommends prometheus; }; } \
            </dev/null >/dev/null 2>&1 || die "could not install prometheus (promtool): apt-get install prometheus"
    else
        die "promtool not found: apt-get install prometheus"
    fi
fi

# -------------------------------------------------------------- Python venv
[[ -f "$REQUIREMENTS" ]] || die "missing $REQUIREMENTS"
command -v "$PYTHON" >/dev/null || die "$PYTHON not found"

# The stamp covers the requirements file and the interpreter version, so a change
# of either reinstalls; a venv whose python no longer runs is rebuilt.
want_hash="$({ sha256sum <"$REQUIREMENTS"; "$PYTHON" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"
stamp="$VENV/.requirements-hash"

venv_ok() {
    [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c '' >/dev/null 2>&1 \
        && [[ -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$want_hash" ]] \
        && [[ -x "$VENV/bin/celery" ]]
}

make_venv() {
    rm -rf "$VENV"
    if "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
        VENV_PIP=("$VENV/bin/python" -m pip)
        return
    fi
    rm -rf "$VENV"
    # Debian ships ensurepip separately (python3.X-venv); install it when we can.
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        pyver="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
        log "python venv lacks ensurepip; installing python${pyver}-venv with apt-get"
        { apt-get install -y -q "python${pyver}-venv" || { apt-get update -q && apt-get install -y -q "python${pyver}-venv"; }; } \
            </dev/null >/dev/null 2>&1 || true
        if "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
            VENV_PIP=("$VENV/bin/python" -m pip)
            return
        fi
        rm -rf "$VENV"
    fi
    # Last resort: a venv without pip, filled by the host's pip (pip >= 22.3).
    if "$PYTHON" -m venv --without-pip "$VENV" >/dev/null 2>&1 && "$PYTHON" -m pip --version >/dev/null 2>&1; then
        VENV_PIP=("$PYTHON" -m pip --python "$VENV/bin/python")
        return
    fi
    die "cannot create a virtualenv at $VENV with $PYTHON (install python3-venv)"
}

if ! venv_ok; then
    log "creating virtualenv $VENV and installing $(basename "$REQUIREMENTS")"
    make_venv
    "${VENV_PIP[@]}" install -q -r "$REQUIREMENTS" </dev/null \
        || die "pip install -r $REQUIREMENTS into $VENV failed"
    "$VENV/bin/python" -c 'import celery, kombu, setproctitle, redis' \
        || die "celery/setproctitle not importable in $VENV after install"
    echo "$want_hash" >"$stamp"
fi

log "celery $("$VENV/bin/celery" --version) in $VENV"
