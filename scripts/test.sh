#!/usr/bin/env bash
# The whole test suite, from a fresh machine: prepare what the tests need (RabbitMQ running,
# the management plugin enabled and answering, a venv with the pinned Celery), then run every
# test. Extra arguments go to `cargo test` (e.g. `scripts/test.sh --test it doctor`).
#
# Every test binary runs even when an earlier one fails (cargo test --no-fail-fast); the failed
# tests and binaries are listed together at the end, and the exit status is cargo's.
# CELTOOL_TEST_WATCHDOG_SECS bounds each celtool run of the tests (default 300).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/test-setup.sh
export CELTOOL_TEST_VENV="${CELTOOL_TEST_VENV:-$PWD/.venv}"

log=$(mktemp "${TMPDIR:-/tmp}/celtool-test.XXXXXX")
trap 'rm -f "$log"' EXIT
start=$SECONDS

# Most integration tests wait on the broker's 5 s statistics interval rather than on the CPU,
# so more test threads than cores pay off.
if [[ $# -gt 0 ]]; then
    args=(--no-fail-fast "$@")
else
    args=(--no-fail-fast -- --test-threads 6)
fi
set +e
cargo test "${args[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

echo
echo "== scripts/test.sh: $((SECONDS - start)) s"
# Each failed test with the binary it ran in ("Running tests/it/main.rs (target/...)").
failed=$(awk '/^ *Running /{bin=$2} /^ *Doc-tests /{bin="doc-tests " $2}
    /^test .* \.\.\. FAILED$/{sub(/^test /,""); sub(/ \.\.\. FAILED$/,""); print "  " bin ": " $0}' "$log")
binaries=$(grep -E '^error: test failed, to rerun pass' "$log" || true)
if [[ $status -eq 0 ]]; then
    echo "== all tests passed"
else
    echo "== FAILED (cargo test exit $status)"
    if [[ -n $failed ]]; then
        echo "failed tests:"
        echo "$failed"
    fi
    if [[ -n $binaries ]]; then
        echo "failed test binaries:"
        echo "$binaries"
    fi
fi
exit "$status"
