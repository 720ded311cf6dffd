#!/usr/bin/env bash
# `pullguard doctor` against real registries: Debian's docker-registry with htpasswd (Basic) and
# in token mode (Bearer), healthy first, then broken one way at a time (wrong password, an image
# the credential cannot pull, a registry that is down). Args: pullguard binary, source dir, scratch.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$2/tests/e2e/lib.sh"
pg_e2e "$@"

user=pgdoctor
pass=$(pg_secret)
tpass=$(pg_secret)
pg_log "registries"
pg_start_registry "$user" "$pass"
pg_build_oci_image "$PG_DIR/oci" 1 >/dev/null
pg_push_image "$PG_DIR/oci" 1 team/app:1 "$user" "$pass"
python3 - "$tpass" >"$PG_DIR/users.json" <<'PY'
import json, sys
print(json.dumps({"users": {"tokenuser": {"password": sys.argv[1], "access": {"*": ["pull"]}}}}))
PY
chmod 600 "$PG_DIR/users.json"
pg_start_token_registry "$src" "$PG_DIR/users.json"

# A node as an operator lays it out: binary in the bin dir, configs under etc/.
node=$PG_DIR/node
mkdir -p "$node/bin" "$node/etc"
install -m 0755 "$bin" "$node/bin/pullguard"
# The static front's network helper goes beside it (docs/install.md, "Two files").
helper=$(dirname "$bin")/pullguard-net
[ ! -e "$helper" ] || install -m 0755 "$helper" "$node/bin/pullguard-net"
(umask 077 && printf '%s\n' "$pass" >"$node/etc/basic.pw" && printf '%s\n' "$tpass" >"$node/etc/token.pw")
cat >"$node/etc/config.yaml" <<YAML
apiVersion: pullguard.io/v1alpha1
kind: PullguardConfig
stateDir: $node/state
registries:
  - match: ["$PG_REGISTRY"]
    verify: true
    static: {username: $user, passwordFile: $node/etc/basic.pw}
  - match: ["$PG_TOKEN_REGISTRY"]
    static: {username: tokenuser, passwordFile: $node/etc/token.pw}
YAML
chmod 600 "$node/etc/config.yaml"
cat >"$node/etc/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1
kind: CredentialProviderConfig
providers:
  - name: pullguard
    matchImages: ["$PG_REGISTRY", "$PG_TOKEN_REGISTRY"]
    defaultCacheDuration: 5m
    apiVersion: credentialprovider.kubelet.k8s.io/v1
    args: ["get-credentials", "--config=$node/etc/config.yaml"]
YAML

doctor() {
  local name=$1
  shift
  rc=0
  "$bin" doctor --config="$node/etc/config.yaml" --kubelet-config="$node/etc/kubelet.yaml" \
    --bin-dir="$node/bin" "$@" >"$PG_DIR/out/$name.out" 2>"$PG_DIR/out/$name.err" || rc=$?
  if grep -qF -- "$pass" "$PG_DIR/out/$name.out" "$PG_DIR/out/$name.err" ||
    grep -qF -- "$tpass" "$PG_DIR/out/$name.out" "$PG_DIR/out/$name.err"; then
    pg_fail "doctor ($name) printed a password"
  fi
}
expect() {  # FILE LINE-PREFIX
  grep -qF -- "$2" "$1" || {
    cat "$1" >&2
    pg_fail "missing in $(basename "$1"): $2"
  }
}

pg_log "doctor: healthy node"
doctor healthy --image="$PG_REGISTRY/team/app:1"
[ "$rc" -eq 0 ] || {
  cat "$PG_DIR/out/healthy.err" >&2
  pg_fail "doctor failed on a healthy node (rc $rc)"
}
[ ! -s "$PG_DIR/out/healthy.err" ] || pg_fail "doctor wrote to stderr on success"
o=$PG_DIR/out/healthy.out
expect "$o" "ok    registry $PG_REGISTRY reachable: http://$PG_REGISTRY/v2/ answered 401 over plain HTTP"
expect "$o" "ok    registry $PG_REGISTRY challenge: Basic"
expect "$o" "ok    registry $PG_REGISTRY clock: local clock is "
expect "$o" "ok    registry $PG_TOKEN_REGISTRY challenge: Bearer (token server \"$PG_TOKEN_URL/token\")"
expect "$o" "ok    registries[0] dry run: user \"$user\" for $PG_REGISTRY is accepted by $PG_REGISTRY"
expect "$o" "ok    registries[1] dry run: user \"tokenuser\" for $PG_TOKEN_REGISTRY is accepted by"
expect "$o" "ok    dry run $PG_REGISTRY/team/app:1: 1 credential(s) for $PG_REGISTRY, cacheKeyType Registry"
expect "$o" "ok    bin-dir: $node/bin/pullguard runs (pullguard "
[ ! -e "$helper" ] || expect "$o" "ok    network-helper: $node/bin/pullguard-net runs (pullguard "
expect "$o" " 0 failed"

pg_log "doctor: an image the credential cannot pull (verify: true preflight)"
doctor missing-image --image="$PG_REGISTRY/team/nope:1"
[ "$rc" -eq 1 ] || pg_fail "doctor passed with an unknown image (rc $rc)"
[ ! -s "$PG_DIR/out/missing-image.out" ] || pg_fail "doctor wrote stdout on failure"
expect "$PG_DIR/out/missing-image.err" "FAIL  dry run $PG_REGISTRY/team/nope:1: registries[0]"

pg_log "doctor: wrong passwords"
(umask 077 && echo wrong-password >"$node/etc/basic.pw" && echo wrong-password >"$node/etc/token.pw")
doctor wrong-password
[ "$rc" -eq 1 ] || pg_fail "doctor passed with wrong passwords (rc $rc)"
e=$PG_DIR/out/wrong-password.err
expect "$e" "FAIL  registries[0] dry run: user \"$user\" for $PG_REGISTRY: "
expect "$e" "FAIL  registries[1] dry run: user \"tokenuser\" for $PG_TOKEN_REGISTRY: "
expect "$e" "      fix: the registry refuses the credential"
expect "$e" "ok    registry $PG_REGISTRY reachable"
expect "$e" " 2 failed"

pg_log "doctor: the Basic registry is down"
(umask 077 && printf '%s\n' "$pass" >"$node/etc/basic.pw" && printf '%s\n' "$tpass" >"$node/etc/token.pw")
kill "$PG_REGISTRY_PID"
wait "$PG_REGISTRY_PID" 2>/dev/null || true
doctor down
[ "$rc" -eq 1 ] || pg_fail "doctor passed with the registry down (rc $rc)"
e=$PG_DIR/out/down.err
expect "$e" "FAIL  registry $PG_REGISTRY reachable: "
expect "$e" "      fix: check DNS, routes, firewall"
expect "$e" "ok    registries[1] dry run: user \"tokenuser\""
expect "$e" "      fix: the registry could not be asked"
pg_log "ok"
