#!/usr/bin/env bash
# Issue 13: credentials go only where they belong, files under pullguard's control stay under it.
# Each check below reproduces one weakness with real runs of the binary (and a real proxy,
# tinyproxy) and fails on the code before the fix (docs/RELIABILITY.md section 6 lists them).
#
# It runs in a network namespace of its own (unshare -n) where 192.0.2.10 (TEST-NET-1) is a real,
# non-loopback address on a veth pair: a "remote" server listens there, and nothing can leave the
# namespace. If the namespace cannot be made, the test fails (CI runs as root; it must not pass by
# skipping).
#
# Usage: trust_boundaries_test.sh PULLGUARD_BINARY SOURCE_DIR SCRATCH_DIR
set -euo pipefail

if [ -z "${PG_TRUST_NETNS:-}" ]; then
  for tool in unshare ip tinyproxy; do
    command -v "$tool" >/dev/null || {
      echo "FAIL: $tool is missing (scripts/bootstrap.sh installs it)" >&2
      exit 1
    }
  done
  unshare -n true || {
    echo "FAIL: cannot create a network namespace (unshare -n); this test needs root" >&2
    exit 1
  }
  PG_TRUST_NETNS=1 exec unshare -n -- bash "$0" "$@"
fi

ip link set lo up
ip link add pg-trust0 type veth peer name pg-trust1
ip addr add 192.0.2.10/24 dev pg-trust0
ip addr add 192.0.2.11/24 dev pg-trust1
ip link set pg-trust0 up
ip link set pg-trust1 up
REMOTE=192.0.2.10
python3 -c "import socket; s=socket.socket(); s.bind(('$REMOTE', 0))" || {
  echo "FAIL: $REMOTE is not usable in the test's network namespace" >&2
  exit 1
}

source "$(dirname "$0")/lib.sh"
pg_e2e "$@"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY no_proxy NO_PROXY SSLKEYLOGFILE REQUEST_METHOD
FAILURES=0
check() {  # check CONDITION-TEXT: records a failure without stopping the other checks
  printf '%s\n' "FAIL: $*" >&2
  FAILURES=$((FAILURES + 1))
}

# --- servers: static_registry.py serves canned responses and logs each request ------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PG_DIR/key.pem" -out "$PG_DIR/cert.pem" \
  -days 2 -subj "/CN=pullguard-trust-test" \
  -addext "subjectAltName=IP:127.0.0.1,IP:$REMOTE" >/dev/null 2>&1 || pg_fail "openssl failed"
start_static() {  # start_static NAME HOST [tls]: sets <NAME>_PORT, serves $PG_DIR/srv-NAME
  local name=$1 host=$2 dir=$PG_DIR/srv-$1 extra=() pid port
  mkdir -p "$dir"
  echo '{}' >"$dir/routes.json"
  [ "${3:-}" = tls ] && extra=(--tls "$PG_DIR/cert.pem" "$PG_DIR/key.pem")
  python3 "$src/tests/servers/static_registry.py" --dir "$dir" --port-file "$dir/port" \
    --host "$host" "${extra[@]}" >/dev/null 2>"$dir/err" &
  pid=$!
  PG_PIDS+=("$pid")
  port=$(pg_wait_port_file "$dir/port" "$pid") || pg_fail "server $name did not start"
  printf -v "${name}_PORT" '%s' "$port"
}
routes() {  # routes NAME < text with "=== ROUTE" sections (the catalogue's format)
  python3 -c '
import json, sys
routes, cur = {}, None
for line in sys.stdin.read().split("\n"):
    if line.startswith("=== "):
        cur = line[4:].strip()
        routes[cur] = []
    elif cur is not None:
        routes[cur].append(line)
json.dump({k: "\n".join(v) for k, v in routes.items()}, open(sys.argv[1], "w"))
' "$PG_DIR/srv-$1/routes.json"
  : >"$PG_DIR/srv-$1/log"
}
served() { cat "$PG_DIR/srv-$1/log" 2>/dev/null || true; }
start_static loop 127.0.0.1
start_static remote "$REMOTE"
start_static remotetls "$REMOTE" tls
start_static looptls 127.0.0.1 tls

PW=$(pg_secret)
printf '%s\n' "$PW" >"$PG_DIR/pw"
chmod 600 "$PG_DIR/pw"
mkdir -m 700 "$PG_DIR/state"
TOKENS='=== POST /token
HTTP/1.1 200 OK
Content-Type: application/json

{"access_token":"access-1","refresh_token":"refresh-from-the-real-server","expires_in":300}'
DIGEST=sha256:$(printf x | sha256sum | cut -d' ' -f1)
MANIFEST="HTTP/1.1 200 OK
Docker-Content-Digest: $DIGEST
Content-Type: application/vnd.oci.image.manifest.v1+json

{}"

config() {  # config FILE ENTRY-YAML: a PullguardConfig with one registry entry, mode 0600
  cat >"$1" <<YAML
apiVersion: pullguard.io/v1alpha1
kind: PullguardConfig
stateDir: ${STATE:-$PG_DIR/state}
${METRICS:-}
registries:
$2
YAML
  chmod 600 "$1"
}
request() {
  printf '{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"%s"}' "$1"
}
run() {  # run CONFIG IMAGE [VAR=VALUE...]: get-credentials with a 15 s limit; sets RC, OUT, ERR
  local cfg=$1 image=$2
  shift 2
  set +e
  request "$image" | timeout 15 env "$@" "$bin" get-credentials --config="$cfg" \
    >"$PG_DIR/out/last" 2>"$PG_DIR/err/last"
  RC=$?
  set -e
  OUT=$(cat "$PG_DIR/out/last")
  ERR=$(cat "$PG_DIR/err/last")
}
refused() {  # refused WHAT TEXT: the last run gave one stderr line with TEXT, exit 1, no stdout
  local what=$1 text=$2
  if [ "$RC" -ne 1 ] || [ -n "$OUT" ] || [ "$(wc -l <"$PG_DIR/err/last")" -ne 1 ] ||
    ! grep -qF -- "$text" "$PG_DIR/err/last"; then
    check "$what: want exit 1, one stderr line with '$text', no stdout; got exit $RC," \
      "stdout '${OUT:0:200}', stderr '${ERR:0:300}'"
  fi
}
answered() {  # answered WHAT: the last run answered (exit 0, a response on stdout)
  if [ "$RC" -ne 0 ] || ! grep -q CredentialProviderResponse "$PG_DIR/out/last"; then
    check "$1: want an answer; got exit $RC, stderr '${ERR:0:300}'"
  fi
}
fresh_state() { rm -rf "$PG_DIR/state" && mkdir -m 700 "$PG_DIR/state"; }

# --- 1. insecure: true covers the registry's own host only ---------------------------------------
pg_log "1. insecure: true does not reach a realm or redirect target on another host"
config "$PG_DIR/insecure.yaml" "  - match: [\"127.0.0.1:$loop_PORT\"]
    insecure: true
    refreshToken: {username: robot, passwordFile: $PG_DIR/pw}"
routes loop <<EOF
=== GET /v2/
HTTP/1.1 401 Unauthorized
WWW-Authenticate: Bearer realm="https://$REMOTE:$remotetls_PORT/token",service="s"

{}
EOF
routes remotetls <<<"$TOKENS"
run "$PG_DIR/insecure.yaml" "127.0.0.1:$loop_PORT/team/app:v1"
refused "realm on another host with a self-signed certificate" "certificate"
served remotetls | grep -q "POST /token" && check "the robot password was POSTed to the unverified realm"

fresh_state
config "$PG_DIR/insecure-verify.yaml" "  - match: [\"127.0.0.1:$loop_PORT\"]
    insecure: true
    verify: true
    static: {username: alice, passwordFile: $PG_DIR/pw}"
routes loop <<EOF
=== GET /v2/
HTTP/1.1 401 Unauthorized
WWW-Authenticate: Basic realm="r"

{}
=== /v2/team/app/manifests/v1
HTTP/1.1 307 Temporary Redirect
Location: https://$REMOTE:$remotetls_PORT/cdn/manifest

EOF
routes remotetls <<<"=== /cdn/manifest
$MANIFEST"
run "$PG_DIR/insecure-verify.yaml" "127.0.0.1:$loop_PORT/team/app:v1"
refused "redirect to another host with a self-signed certificate" "certificate"
served remotetls | grep -q "/cdn/manifest" && check "the unverified redirect target got a request"

# --- 2. clear-text credentials only to loopback, decided on the canonical address ----------------
pg_log "2. a password never goes in clear text to a non-loopback host, however it is spelled"
config "$PG_DIR/loop-refresh.yaml" "  - match: [\"127.0.0.1:$loop_PORT\"]
    refreshToken: {username: robot, passwordFile: $PG_DIR/pw}"
routes remote <<<"$TOKENS"
for host in 3221225994 0xc000020a 0300.0.2.10 192.0.522 "$REMOTE"; do
  fresh_state
  routes loop <<EOF
=== GET /v2/
HTTP/1.1 401 Unauthorized
WWW-Authenticate: Bearer realm="http://$host:$remote_PORT/token",service="s"

{}
EOF
  run "$PG_DIR/loop-refresh.yaml" "127.0.0.1:$loop_PORT/team/app:v1"
  if [ "$host" = "$REMOTE" ]; then
    refused "plain-HTTP realm on $host" "refusing plain HTTP to http://$REMOTE"
  else
    refused "plain-HTTP realm written $host" "is a numeric address not written as a.b.c.d"
  fi
  served remote | grep -q "POST /token" && check "the password was POSTed in clear text to $host"
done
# An insecure (plain HTTP) registry that is not loopback: its Basic credential stays home.
fresh_state
config "$PG_DIR/remote-insecure.yaml" "  - match: [\"$REMOTE:$remote_PORT\"]
    insecure: true
    verify: true
    static: {username: alice, passwordFile: $PG_DIR/pw}"
routes remote <<EOF
=== GET /v2/
HTTP/1.1 401 Unauthorized
WWW-Authenticate: Basic realm="r"

{}
=== /v2/team/app/manifests/v1
$MANIFEST
EOF
run "$PG_DIR/remote-insecure.yaml" "$REMOTE:$remote_PORT/team/app:v1"
refused "Basic credential to a plain-HTTP registry on $REMOTE" "credential in clear text"
served remote | grep -q "authorization=present" && check "Basic credential sent in clear text to $REMOTE"

# --- 3. proxies as Go decides them ----------------------------------------------------------------
pg_log "3. loopback is never proxied; HTTP_PROXY and NO_PROXY as in Go"
PPORT=$(pg_free_port)
cat >"$PG_DIR/tinyproxy.conf" <<EOF
Port $PPORT
Listen 127.0.0.1
Timeout 30
LogFile "$PG_DIR/tinyproxy.log"
LogLevel Info
MaxClients 20
EOF
tinyproxy -d -c "$PG_DIR/tinyproxy.conf" >"$PG_DIR/tinyproxy.out" 2>&1 &
PG_PIDS+=("$!")
for _ in $(seq 1 50); do
  curl -s -o /dev/null -x "http://127.0.0.1:$PPORT" "http://$REMOTE:$remote_PORT/ping" && break
  sleep 0.1
done
proxied() { grep -c "Request (file descriptor" "$PG_DIR/tinyproxy.log" || true; }
[ "$(proxied)" -ge 1 ] || pg_fail "tinyproxy does not forward (see $PG_DIR/tinyproxy.out)"
P="http://127.0.0.1:$PPORT"
fresh_state
config "$PG_DIR/loop-realm.yaml" "  - match: [\"127.0.0.1:$loop_PORT\"]
    refreshToken: {username: robot, passwordFile: $PG_DIR/pw, realm: \"http://127.0.0.1:$loop_PORT/token\", service: s}"
routes loop <<<"$TOKENS"
before=$(proxied)
run "$PG_DIR/loop-realm.yaml" "127.0.0.1:$loop_PORT/team/app:v1" http_proxy="$P" https_proxy="$P" \
  HTTP_PROXY="$P"
answered "loopback registry with http_proxy set"
[ "$(proxied)" = "$before" ] || check "a loopback registry's password POST went through http_proxy"
# A remote registry (anonymous preflight over plain HTTP, no credential on the wire).
fresh_state
config "$PG_DIR/remote-anon.yaml" "  - match: [\"$REMOTE:$remote_PORT\"]
    insecure: true
    verify: true
    static: {username: alice, passwordFile: $PG_DIR/pw}"
routes remote <<EOF
=== GET /v2/
HTTP/1.1 200 OK

{}
=== /v2/team/app/manifests/v1
$MANIFEST
EOF
before=$(proxied)
run "$PG_DIR/remote-anon.yaml" "$REMOTE:$remote_PORT/team/app:v1" HTTP_PROXY="$P"
answered "remote registry through HTTP_PROXY"
[ "$(proxied)" -gt "$before" ] || check "HTTP_PROXY (upper case, as Go reads it) was not used for $REMOTE"
for np in "NO_PROXY=192.0.2.0/24" "no_proxy=$REMOTE:$remote_PORT" "NO_PROXY=*" "no_proxy=.example,$REMOTE"; do
  fresh_state
  before=$(proxied)
  run "$PG_DIR/remote-anon.yaml" "$REMOTE:$remote_PORT/team/app:v1" HTTP_PROXY="$P" "$np"
  answered "remote registry with $np"
  [ "$(proxied)" = "$before" ] || check "$np did not keep $REMOTE off the proxy"
done

# --- 6. SSLKEYLOGFILE is ignored ------------------------------------------------------------------
pg_log "6. SSLKEYLOGFILE never makes pullguard write TLS keys"
fresh_state
config "$PG_DIR/tls.yaml" "  - match: [\"127.0.0.1:$looptls_PORT\"]
    insecure: false
    caFile: $PG_DIR/cert.pem
    verify: true
    static: {username: alice, passwordFile: $PG_DIR/pw}"
routes looptls <<EOF
=== GET /v2/
HTTP/1.1 200 OK

{}
=== /v2/team/app/manifests/v1
$MANIFEST
EOF
run "$PG_DIR/tls.yaml" "127.0.0.1:$looptls_PORT/team/app:v1" SSLKEYLOGFILE="$PG_DIR/keys.log"
answered "verified TLS registry"
served looptls | grep -q "HEAD /v2/team/app/manifests/v1" || check "the TLS registry saw no request"
[ -e "$PG_DIR/keys.log" ] && check "TLS session keys were written to SSLKEYLOGFILE"

# --- 7. the state dir: no links, no FIFOs, no directory others can write --------------------------
pg_log "7. files under stateDir stay under pullguard's control"
config "$PG_DIR/refresh.yaml" "  - match: [\"127.0.0.1:$loop_PORT\"]
    refreshToken: {username: robot, passwordFile: $PG_DIR/pw, realm: \"http://127.0.0.1:$loop_PORT/token\", service: s}"
routes loop <<<"$TOKENS"
IMG="127.0.0.1:$loop_PORT/team/app:v1"
fresh_state
run "$PG_DIR/refresh.yaml" "$IMG"
answered "refreshToken source (first run fills the token cache)"
TOKFILE=$(ls "$PG_DIR"/state/tokens/*.json | head -1)
# 7a: a world-writable token directory lets anyone swap the cached credential (non-sticky: rename
# over a root-owned file is allowed). Done here as root; any user could.
chmod 777 "$PG_DIR/state/tokens"
python3 - "$TOKFILE" <<'PY'
import json, sys, time
p = sys.argv[1]
open(p + ".evil", "w").write(json.dumps({"version": 1, "token": "ATTACKER-TOKEN",
    "issuedAt": int(time.time()), "expiresAt": int(time.time()) + 3600}))
import os; os.rename(p + ".evil", p)
PY
run "$PG_DIR/refresh.yaml" "$IMG"
refused "token directory writable by others" "$PG_DIR/state/tokens is writable by group or others"
grep -q "chmod 700 $PG_DIR/state/tokens" "$PG_DIR/err/last" || check "the fix is not named: ${ERR:0:300}"
grep -q ATTACKER-TOKEN "$PG_DIR/out/last" && check "a planted token was handed to kubelet"
# 7b: the state dir itself world-writable.
fresh_state
chmod 777 "$PG_DIR/state"
run "$PG_DIR/refresh.yaml" "$IMG"
refused "state dir writable by others" "$PG_DIR/state is writable by group or others (mode 0777)"
# 7c: a FIFO in place of a token file must not hang the exec.
fresh_state
run "$PG_DIR/refresh.yaml" "$IMG"
TOKFILE=$(ls "$PG_DIR"/state/tokens/*.json | head -1)
rm "$TOKFILE" && mkfifo -m 600 "$TOKFILE"
run "$PG_DIR/refresh.yaml" "$IMG"
[ "$RC" -eq 124 ] && check "a FIFO in the token cache hung get-credentials"
refused "FIFO in the token cache" "is not a regular file"
# 7d: a lock file that is a link would make root create the file it names.
fresh_state
run "$PG_DIR/refresh.yaml" "$IMG"
TOKFILE=$(ls "$PG_DIR"/state/tokens/*.json | head -1)
rm -f "$TOKFILE" "$TOKFILE.lock"
ln -s "$PG_DIR/created-by-root" "$TOKFILE.lock"
run "$PG_DIR/refresh.yaml" "$IMG"
[ -e "$PG_DIR/created-by-root" ] && check "root created a file through a lock-file link"
refused "token lock file is a link" "is a symbolic link"
# 7e: pruning never follows a linked token directory nor deletes what it did not write.
fresh_state
mkdir -m 700 "$PG_DIR/victim"
VICTIM=$PG_DIR/victim/$(printf '%064d' 0).json
echo 'not a token, not pullguard'"'"'s' >"$VICTIM"
ln -s "$PG_DIR/victim" "$PG_DIR/state/tokens"
run "$PG_DIR/refresh.yaml" "$IMG"
[ -e "$VICTIM" ] || check "pruning through a linked token directory deleted $VICTIM"
refused "linked token directory" "$PG_DIR/state/tokens is a symbolic link"

# --- 8. the metrics textfile: lock and temp files never through a link ----------------------------
pg_log "8. the metrics textfile's lock is never opened through a link"
fresh_state
mkdir -m 755 "$PG_DIR/textfile"
chown 65534:65534 "$PG_DIR/textfile"  # node-exporter's directory belongs to another user
ln -s "$PG_DIR/metrics-created-by-root" "$PG_DIR/textfile/pullguard.prom.lock"
METRICS="metrics: {textfile: $PG_DIR/textfile/pullguard.prom}" config "$PG_DIR/metrics.yaml" \
  "  - match: [\"registry.internal:5000\"]
    static: {username: alice, passwordFile: $PG_DIR/pw}"
run "$PG_DIR/metrics.yaml" "registry.internal:5000/team/app:v1"
answered "static source with a metrics textfile"
[ -e "$PG_DIR/metrics-created-by-root" ] && check "root created a file through the metrics lock link"
rm "$PG_DIR/textfile/pullguard.prom.lock"
run "$PG_DIR/metrics.yaml" "registry.internal:5000/team/app:v1"
answered "metrics textfile in a directory another user owns"
grep -q '^pullguard_requests_total{outcome="ok"} 1$' "$PG_DIR/textfile/pullguard.prom" 2>/dev/null ||
  check "the metrics textfile was not written in node-exporter's directory"

# --- 9. config, password and docker config files: checked on what is read --------------------------
pg_log "9. operator files: owner and kind of the file actually opened"
printf 'root-only-secret\n' >"$PG_DIR/root-secret"
chmod 600 "$PG_DIR/root-secret"
config "$PG_DIR/nobody.yaml" "  - match: [\"registry.internal:5000\"]
    static: {username: alice, passwordFile: $PG_DIR/root-secret}"
chmod 644 "$PG_DIR/nobody.yaml"
chown 65534:65534 "$PG_DIR/nobody.yaml"
run "$PG_DIR/nobody.yaml" "registry.internal:5000/team/app:v1"
refused "config owned by another user" "is owned by uid 65534"
grep -q root-only-secret "$PG_DIR/out/last" && check "a root-only file was handed to kubelet"
for pwfile in /proc/self/environ "$PG_DIR/pw-fifo"; do
  [ "$pwfile" = /proc/self/environ ] || mkfifo -m 600 "$pwfile"
  config "$PG_DIR/pwfile.yaml" "  - match: [\"registry.internal:5000\"]
    static: {username: alice, passwordFile: $pwfile}"
  run "$PG_DIR/pwfile.yaml" "registry.internal:5000/team/app:v1"
  [ "$RC" -eq 124 ] && check "passwordFile $pwfile hung get-credentials"
  refused "passwordFile $pwfile" "static.passwordFile: $pwfile is"
done
config "$PG_DIR/docker.yaml" "  - match: [\"registry.internal:5000\"]
    dockerConfig: /proc/self/environ"
run "$PG_DIR/docker.yaml" "registry.internal:5000/team/app:v1"
refused "dockerConfig /proc/self/environ" "pseudo file system"
mkfifo -m 600 "$PG_DIR/config-fifo"
run "$PG_DIR/config-fifo" "registry.internal:5000/team/app:v1"
[ "$RC" -eq 124 ] && check "a FIFO config hung get-credentials"
refused "config that is a FIFO" "is not a regular file"
# A Kubernetes ConfigMap/Secret volume: links to a timestamped directory are followed.
mkdir -m 700 "$PG_DIR/volume" "$PG_DIR/volume/..2026_01_01"
config "$PG_DIR/volume/..2026_01_01/config.yaml" "  - match: [\"registry.internal:5000\"]
    static: {username: alice, passwordFile: $PG_DIR/volume/pw}"
cp "$PG_DIR/pw" "$PG_DIR/volume/..2026_01_01/pw"
ln -s ..2026_01_01 "$PG_DIR/volume/..data"
ln -s ..data/config.yaml "$PG_DIR/volume/config.yaml"
ln -s ..data/pw "$PG_DIR/volume/pw"
run "$PG_DIR/volume/config.yaml" "registry.internal:5000/team/app:v1"
answered "config and password file as Kubernetes volume links"
grep -qF "$PW" "$PG_DIR/out/last" || check "the password behind the volume link was not answered"

[ "$FAILURES" -eq 0 ] || pg_fail "$FAILURES trust-boundary checks failed"
pg_log "trust boundaries: all checks passed"
