#!/usr/bin/env bash
# The README's first command keeps working: scripts/demo.sh with this build's binary, checked for
# the steps of the mission (credentials, the preflight's record and evidence, the anonymous
# refusal, the pull, and decide's two verdicts with their reasons), and for not printing a password.
# Args: pullguard binary, source dir, scratch dir.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$2/tests/e2e/lib.sh"
pg_e2e "$@"

PULLGUARD_BIN=$bin bash "$src/scripts/demo.sh" >"$PG_DIR/out/demo.out" 2>"$PG_DIR/err/demo.err" ||
  { tail -n 20 "$PG_DIR/out/demo.out" "$PG_DIR/err/demo.err" >&2; pg_fail "scripts/demo.sh failed"; }
out=$PG_DIR/out/demo.out
want() { grep -qE "$1" "$out" || { cat "$out" >&2; pg_fail "demo output lacks: $1"; }; }
want '"password":"\*\*\*\*\*"'
want '^   record: +\{"kind":"ImagePulledRecord"'
want '^   evidence: .* pulled by credential [0-9a-f]{12}\.\.\.'
want '^   refused: '
want '^   pulled'
want '^   web-2 +use-local: .*pod secret team-a/regcred holds credentials that pulled'
want '^   intruder pull: .*none of the pod'"'"'s credentials pulled'
# The demo's password is random: no line may carry a password field with a real value.
if grep -E '"password":"[^*]' "$out" "$PG_DIR/err/demo.err"; then pg_fail "the demo printed a password"; fi
pg_log "demo: every step of the mission shown"
