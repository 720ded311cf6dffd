#!/usr/bin/env bash
# Kubelet versions end to end: `records add` with a pod's whole set of credentials (several
# secrets, a repeated one, service accounts), then `decide` under two kubelet releases gives the
# answers those releases give (docs/verification-cache.md, "Kubelet versions"):
# - 1.35 writes and looks up normalised credentialMapping keys, 1.36 familiar ones: a record
#   written by one is not found by the other for a pod naming the image `busybox`;
# - 1.35 compares the allowlist with the pod's image as written, 1.36 normalises it (#137629);
# - 1.33 has no service-account credentials (#132771).
# Usage (CTest): bash records_versions_test.sh <pullguard> <source-dir> <scratch-dir>
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$2/tests/e2e/lib.sh"
pg_e2e "$@"
dir=$PG_DIR/image_manager
ref=sha256:2222222222222222222222222222222222222222222222222222222222222222
ref136=sha256:3333333333333333333333333333333333333333333333333333333333333333

# The pod's set: two secrets (b given twice, the later hash wins), two service accounts.
set_json() {  # IMAGEREF
  printf '{"image":"busybox:1.36","imageRef":"%s","secrets":[' "$1"
  printf '{"uid":"uid-b","namespace":"team","name":"b","credentialHash":"old-b"},'
  printf '{"uid":"uid-a","namespace":"team","name":"a","auth":{"username":"u","password":"p"}},'
  printf '{"uid":"uid-b","namespace":"team","name":"b","credentialHash":"hash-b"}],'
  printf '"serviceAccounts":[{"uid":"sa-uid","namespace":"team","name":"builder"},'
  printf '{"uid":"sa-uid","namespace":"team","name":"builder"}]}'
}

# decide NAME VERSION IMAGEREF POD_JSON_FIELDS -> the action, from $PG_DIR/out/NAME.json
decide() {
  local name=$1 version=$2 image_ref=$3 fields=$4
  local flag=()
  [[ $version == - ]] || flag=(--kubelet-version "$version")
  printf '{"image":"busybox:1.36","imageRef":"%s","imagePresent":true%s}' "$image_ref" "$fields" |
    "$bin" decide --dir "$dir" "${flag[@]}" >"$PG_DIR/out/$name.json" 2>"$PG_DIR/err/$name" ||
    pg_fail "decide $name: $(cat "$PG_DIR/err/$name")"
  sed -n 's/.*"action":"\([a-z-]*\)".*/\1/p' "$PG_DIR/out/$name.json"
}
expect() {  # NAME VERSION IMAGEREF FIELDS WANT
  local got
  got=$(decide "$1" "$2" "$3" "$4")
  [[ $got == "$5" ]] || pg_fail "$1 (kubelet $2): got $got, want $5: $(cat "$PG_DIR/out/$1.json")"
  pg_log "$1 (kubelet $2): $got"
}

mkdir -p "$dir"
chmod 700 "$dir"
set_json "$ref" | "$bin" records add --dir "$dir" >"$PG_DIR/out/add-135.json"
grep -q '"changed":true' "$PG_DIR/out/add-135.json" || pg_fail "first add did not change the record"
# The same set again changes nothing.
set_json "$ref" | "$bin" records add --dir "$dir" >"$PG_DIR/out/add-135-again.json"
grep -q '"changed":false' "$PG_DIR/out/add-135-again.json" || pg_fail "a repeated set changed the record"
set_json "$ref136" | "$bin" records add --dir "$dir" --kubelet-version=1.36 >"$PG_DIR/out/add-136.json"

# What each release wrote: one key, the secrets merged (b once, with the later hash), sorted,
# and the service account once.
hash_a=$(printf '{"username":"u","password":"p"}' | "$bin" records hash)
want_entry='{"kubernetesSecrets":[{"uid":"uid-a","namespace":"team","name":"a","credentialHash":"'$hash_a'"},{"uid":"uid-b","namespace":"team","name":"b","credentialHash":"hash-b"}],"kubernetesServiceAccounts":[{"uid":"sa-uid","namespace":"team","name":"builder"}]}'
"$bin" records show --dir "$dir" "$ref" >"$PG_DIR/out/show-135.json"
"$bin" records show --dir "$dir" "$ref136" >"$PG_DIR/out/show-136.json"
grep -qF '"credentialMapping":{"docker.io/library/busybox":'"$want_entry"'}' "$PG_DIR/out/show-135.json" ||
  pg_fail "1.35 record: $(cat "$PG_DIR/out/show-135.json")"
grep -qF '"credentialMapping":{"busybox":'"$want_entry"'}' "$PG_DIR/out/show-136.json" ||
  pg_fail "1.36 record: $(cat "$PG_DIR/out/show-136.json")"

secret_b=',"podSecrets":[{"uid":"uid-b","namespace":"team","name":"b","credentialHash":"hash-b"}]'
other=',"podSecrets":[{"uid":"uid-x","namespace":"other","name":"x","credentialHash":"hash-x"}]'
sa=',"podServiceAccount":{"uid":"sa-uid","namespace":"team","name":"builder"}'

# Each release finds the pod's secret in the record it wrote itself.
expect own-135 1.35 "$ref" "$secret_b" use-local
expect own-136 1.36 "$ref136" "$secret_b" use-local
expect sa-135 1.35 "$ref" "$sa" use-local
expect other-135 1.35 "$ref" "$other" pull
# Across the key change, each release misses the other's key, as kubelet does.
expect cross-136 1.36 "$ref" "$secret_b" pull
expect cross-135 1.35 "$ref136" "$secret_b" pull
# Without --kubelet-version: 1.35's behaviour, and either spelling of the key verifies.
expect default-own - "$ref" "$secret_b" use-local
expect default-cross - "$ref136" "$secret_b" use-local
# 1.33 has no service-account credentials; its secrets still verify.
expect sa-133 1.33 "$ref" "$sa" pull
expect secret-133 1.33 "$ref" "$secret_b" use-local
# The allowlist: a familiar pod image against a fully qualified entry (#137629).
allow=',"policy":"NeverVerifyAllowlistedImages","allowlist":["docker.io/library/busybox"]'
expect allow-135 1.35 "$ref" "$other$allow" pull
expect allow-136 1.36 "$ref" "$other$allow" use-local

# Refusals: one line, exit 2 for the flag, nothing written.
before=$(cd "$dir" && find . -type f -path './pulled/*' -exec sha256sum {} + | sort)
if set_json "$ref" | "$bin" records add --dir "$dir" --kubelet-version=1.37 >"$PG_DIR/out/bad" 2>"$PG_DIR/err/bad"; then
  pg_fail "--kubelet-version=1.37 accepted"
else
  rc=$?
  [[ $rc == 2 ]] || pg_fail "--kubelet-version=1.37: exit $rc, want 2"
fi
[[ ! -s $PG_DIR/out/bad && $(wc -l <"$PG_DIR/err/bad") == 1 ]] || pg_fail "bad version: output $(cat "$PG_DIR/err/bad")"
grep -q 'kubelet version 1.37 is not supported (supported: 1.33 to 1.36)' "$PG_DIR/err/bad" ||
  pg_fail "bad version message: $(cat "$PG_DIR/err/bad")"
after=$(cd "$dir" && find . -type f -path './pulled/*' -exec sha256sum {} + | sort)
[[ $before == "$after" ]] || pg_fail "a refused add changed the records"
echo "PASS records_versions"
