#!/usr/bin/env bash
# Concurrency: PROCS processes x ADDS `pullguard records add` on the same imageRef with distinct
# secrets (default 32 x 200) lose nothing: the record ends with every secret exactly once.
# Usage (CTest): bash records_concurrency_test.sh <pullguard> <source-dir> <scratch-dir>
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$2/tests/e2e/lib.sh"
pg_e2e "$@"
procs=${PULLGUARD_CONC_PROCS:-32}
adds=${PULLGUARD_CONC_ADDS:-200}
dir=$PG_DIR/image_manager

worker() {
  local p=$1 i
  for ((i = 0; i < adds; i++)); do
    printf '{"image":"registry.example/team/app:v1","imageRef":"sha256:conc","secret":{"uid":"uid-%d-%d","namespace":"ns-%d","name":"s-%d","credentialHash":"h-%d-%d"}}' \
      "$p" "$i" "$p" "$i" "$p" "$i" | "$bin" records add --dir "$dir" >/dev/null ||
      { echo "worker $p add $i failed" >&2; return 1; }
  done
}

start=$(date +%s.%N)
pids=()
for ((p = 0; p < procs; p++)); do
  worker "$p" &
  pids+=($!)
done
fail=0
for pid in "${pids[@]}"; do wait "$pid" || fail=1; done
end=$(date +%s.%N)
[[ $fail == 0 ]] || { echo "FAIL: a writer failed" >&2; exit 1; }

want=$((procs * adds))
"$bin" records show --dir "$dir" sha256:conc >"$PG_DIR/record.json"
got=$(grep -o '"uid":"uid-[0-9]*-[0-9]*"' "$PG_DIR/record.json" | sort -u | wc -l)
total=$(grep -o '"uid":"uid-[0-9]*-[0-9]*"' "$PG_DIR/record.json" | wc -l)
echo "records add: $procs processes x $adds adds in $(echo "$end - $start" | bc) s; secrets: $got distinct, $total total, want $want"
[[ $got == "$want" && $total == "$want" ]] || { echo "FAIL: lost or duplicated updates" >&2; exit 1; }
# Every pair is the right one: uid-P-I carries h-P-I.
bad=$(grep -o '"uid":"uid-[0-9]*-[0-9]*","namespace":"ns-[0-9]*","name":"s-[0-9]*","credentialHash":"h-[0-9]*-[0-9]*"' "$PG_DIR/record.json" |
  sed -E 's/"uid":"uid-([0-9]+)-([0-9]+)","namespace":"ns-([0-9]+)","name":"s-([0-9]+)","credentialHash":"h-([0-9]+)-([0-9]+)"/\1 \2 \3 \4 \5 \6/' |
  awk '$1!=$3 || $2!=$4 || $1!=$5 || $2!=$6' | wc -l)
[[ $bad == 0 ]] || { echo "FAIL: $bad mismatched secrets" >&2; exit 1; }
# No temp files left behind.
if ls "$dir/pulled" | grep -q '\.tmp$'; then echo "FAIL: temp files left" >&2; exit 1; fi
echo PASS
