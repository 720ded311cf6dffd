#!/usr/bin/env bash
# One bounded libFuzzer run: run_fuzz.sh FUZZER SEED_DIR WORK_DIR SECONDS. New inputs and any crash
# artifact land in WORK_DIR; the exit status is the fuzzer's (non-zero on a crash or a leak).
# The seed is fixed (FUZZ_SEED, default 1) so that the suite's short run replays a prefix of one
# known sequence: CI cannot fail on a finding nobody can reproduce; long runs pick their own seed.
set -euo pipefail
fuzzer=$1 seeds=$2 work=$3 seconds=$4
mkdir -p "$work/corpus" "$work/artifacts"
dirs=("$work/corpus")
[ -d "$seeds" ] && dirs+=("$seeds")
exec "$fuzzer" -seed="${FUZZ_SEED:-1}" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" "${dirs[@]}"
