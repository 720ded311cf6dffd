#!/usr/bin/env bash
# One bounded libFuzzer run: run_fuzz.sh FUZZER SEED_DIR WORK_DIR SECONDS. New inputs and any crash
# artifact land in WORK_DIR; the exit status is the fuzzer's (non-zero on a crash or a leak).
# A finding fails the run and leaves its input in WORK_DIR/artifacts (the log prints it as Base64
# too), so a CI failure can always be reproduced. FUZZ_SEED pins the seed when set.
set -euo pipefail
fuzzer=$1 seeds=$2 work=$3 seconds=$4
mkdir -p "$work/corpus" "$work/artifacts"
dirs=("$work/corpus")
[ -d "$seeds" ] && dirs+=("$seeds")
exec "$fuzzer" ${FUZZ_SEED:+-seed="$FUZZ_SEED"} -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" "${dirs[@]}"
