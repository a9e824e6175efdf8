#!/usr/bin/env bash
# Every benchmark BENCHMARKS.md quotes, in one run, into bench/results/run-STAMP/ (one log per
# script and all.jsonl): the tables of BENCHMARKS.md are written from this run's logs.
#
#   bench/all.sh
#
# Env: CELTOOL (binary, default target/release/celtool), BENCH_BIG=1 adds bench/bignode.sh
# (a private RabbitMQ node at 100 000 queues: about half an hour; filled with a 300 s
# management idle_timeout, measured with RabbitMQ's own 60 s: BENCH_FILL_IDLE_TIMEOUT),
# BENCH_SIZES (bench/broker.sh queue counts, default "10000").
# Reports; exits 0 even when a target is missed or a script fails (its log says why).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE/results/run-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
export BENCH_JSON=$OUT/all.jsonl
{
    echo "date: $(date -u)"; echo "nproc: $(nproc)"; echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "celtool: $(git -C "$HERE/.." rev-parse --short HEAD)"; uname -sr
    bin=${CELTOOL:-${CARGO_TARGET_DIR:-$HERE/../target}/release/celtool}
    echo "binary: $bin, $(stat -c %s "$bin" 2>/dev/null) bytes; .text $(readelf -SW "$bin" 2>/dev/null | awk '$2 == ".text" {print strtonum("0x" $6)}') bytes"
    echo "tools: $(curl --version | head -1 | cut -d' ' -f1-2), $(valgrind --version 2>/dev/null), $(rustc --version)"
} > "$OUT/machine.txt"
run() { local name=$1; shift; echo "== $name: $*"; "$@" > "$OUT/$name.log" 2>&1; echo "   exit $? (log $OUT/$name.log); load $(cut -d' ' -f1-3 /proc/loadavg)"; }
for n in ${BENCH_SIZES:-10000}; do run "broker-$n" "$HERE/broker.sh" "$n" 5; done
run workers "$HERE/workers.sh" 100 5 5
run workers-1 "$HERE/workers.sh" 1 5 0
run replay "$HERE/replay.sh" 10000 100000
run redis "$HERE/redis.sh"
run host "$HERE/host.sh"
run prune "$HERE/prune.sh"
if [[ ${BENCH_BIG:-0} == 1 ]]; then
    (export BENCH_FILL_IDLE_TIMEOUT=${BENCH_FILL_IDLE_TIMEOUT:-300000}; run bignode "$HERE/bignode.sh" 2 100000)
fi
echo "results in $OUT"
