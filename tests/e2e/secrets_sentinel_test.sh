#!/usr/bin/env bash
# Sentinel secrets through every command; see tests/e2e/secrets_sentinel.py.
# Usage: secrets_sentinel_test.sh PULLGUARD_BINARY SOURCE_DIR SCRATCH_DIR
set -euo pipefail
exec python3 "$2/tests/e2e/secrets_sentinel.py" "$@"
