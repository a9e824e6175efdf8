#!/usr/bin/env bash
# The whole test suite, from a fresh machine: prepare what the tests need (RabbitMQ running,
# the management plugin enabled and answering, a venv with the pinned Celery), then run every
# test. Extra arguments go to `cargo test` (e.g. `scripts/test.sh --test it doctor`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/test-setup.sh
export CELTOOL_TEST_VENV="${CELTOOL_TEST_VENV:-$PWD/.venv}"

# Most integration tests wait on the broker's 5 s statistics interval rather than on the CPU,
# so more test threads than cores pay off.
if [[ $# -gt 0 ]]; then
    cargo test "$@"
else
    cargo test -- --test-threads 6
fi
