#!/usr/bin/env bash
# registry/ against real servers: Debian's docker-registry with htpasswd auth and in `auth: token`
# mode (our token server issues the JWTs it validates), skopeo to push, the faulty fixture server.
# Runs the hidden [live] cases of registry_tests, then checks the lazy start-up of libcurl.
# Usage: registry_flows_test.sh PULLGUARD_BINARY SOURCE_DIR SCRATCH_DIR
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$2/tests/e2e/lib.sh"
pg_e2e "$@"

# The unit-test binary sits next to the plugin directory in the same build tree.
tests_bin=$(cd "$(dirname "$bin")/.." && pwd)/tests/registry_tests
[ -x "$tests_bin" ] || pg_fail "registry_tests not found at $tests_bin (build it first)"

alice_pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
bob_pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')

pg_log "htpasswd registry"
pg_start_registry alice "$alice_pw"
pg_build_oci_image "$PG_DIR/image" v1 >/dev/null
pg_push_image "$PG_DIR/image" v1 team/app alice "$alice_pw"
# skopeo may rewrite the manifest on push: the expected digest is the sha256 of what the registry
# serves, computed here by skopeo + sha256sum, independently of the code under test.
digest=sha256:$(skopeo inspect --raw --tls-verify=false --creds "alice:$alice_pw" \
  "docker://$PG_REGISTRY/team/app:latest" 2>/dev/null | sha256sum | cut -d' ' -f1)
[ "$digest" != "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" ] ||
  pg_fail "skopeo inspect returned no manifest"

pg_log "token server + registry in token mode"
python3 - "$alice_pw" "$bob_pw" >"$PG_DIR/users.json" <<'PY'
import json, sys
print(json.dumps({
    "users": {
        "alice": {"password": sys.argv[1], "access": {"*": ["pull", "push"]}},
        "bob": {"password": sys.argv[2], "access": {"team/app": ["pull"]}},
    },
    "anonymous": {"public/*": ["pull"]},
}))
PY
chmod 600 "$PG_DIR/users.json"
pg_start_token_registry "$src" "$PG_DIR/users.json"
pg_push_image "$PG_DIR/image" v1 team/app alice "$alice_pw" "$PG_TOKEN_REGISTRY"
pg_push_image "$PG_DIR/image" v1 other/app alice "$alice_pw" "$PG_TOKEN_REGISTRY"

pg_log "TLS registry with a private CA and client certificates (mTLS)"
tls=$PG_DIR/tls
mkdir -p "$tls/data"
(
  cd "$tls"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
    -subj /CN=pullguard-test-ca
  for who in server client; do
    openssl req -newkey rsa:2048 -nodes -keyout $who.key -out $who.csr -subj /CN=$who
    usage=serverAuth
    [ $who = client ] && usage=clientAuth
    printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=%s\n' $usage >$who.ext
    openssl x509 -req -in $who.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $who.pem \
      -days 2 -extfile $who.ext
  done
  chmod 600 ./*.key
) >"$tls/openssl.log" 2>&1 || pg_fail "openssl could not make the test PKI"
tls_port=$(pg_free_port)
cat >"$tls/config.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $tls/data
http:
  addr: 127.0.0.1:$tls_port
  secret: $(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  tls:
    certificate: $tls/server.pem
    key: $tls/server.key
    clientcas:
      - $tls/ca.pem
auth:
  htpasswd:
    realm: pullguard-tls
    path: $PG_DIR/registry/htpasswd
YAML
pg_serve_registry "$tls"
PG_PIDS+=("$!")
tls_registry=127.0.0.1:$tls_port
for _ in $(seq 1 150); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$tls/ca.pem" --cert "$tls/client.pem" \
    --key "$tls/client.key" "https://$tls_registry/v2/" 2>/dev/null || true)
  [ "$code" = 401 ] && break
  sleep 0.1
done
[ "$code" = 401 ] || { cat "$tls/registry.log" >&2; pg_fail "TLS registry did not start"; }

pg_log "faulty server"
pg_start_faulty_server "$src"

pg_log "registry_tests [live]"
set +e
PULLGUARD_LIVE_HTPASSWD_REGISTRY=$PG_REGISTRY \
  PULLGUARD_LIVE_TOKEN_REGISTRY=$PG_TOKEN_REGISTRY \
  PULLGUARD_LIVE_TOKEN_URL=$PG_TOKEN_URL \
  PULLGUARD_LIVE_FAULTY_URL=$PG_FAULTY_URL \
  PULLGUARD_LIVE_PASSWORD=$alice_pw \
  PULLGUARD_LIVE_BOB_PASSWORD=$bob_pw \
  PULLGUARD_LIVE_DIGEST=$digest \
  PULLGUARD_LIVE_TLS_REGISTRY=$tls_registry \
  PULLGUARD_LIVE_TLS_DIR=$tls \
  "$tests_bin" '[live]' >"$PG_DIR/live.out" 2>&1
rc=$?
set -e
# Test output must never carry a password, even when a case fails.
if grep -qF -e "$alice_pw" -e "$bob_pw" "$PG_DIR/live.out"; then
  pg_fail "a password appeared in the test output"
fi
cat "$PG_DIR/live.out" >&2
[ $rc -eq 0 ] || pg_fail "registry_tests [live] failed"
grep -q "All tests passed" "$PG_DIR/live.out" || pg_fail "no live test ran"

pg_log "lazy start-up: 'pullguard version' does not load libcurl"
# Beside a static front (no loader to trace) the dynamically linked program is pullguard-net;
# that the front itself never hands a no-network exec over is tests/e2e/exec_path_test.sh's.
traced=$bin
[ -e "$(dirname "$bin")/pullguard-net" ] && traced=$(dirname "$bin")/pullguard-net
LD_DEBUG=libs "$traced" version >/dev/null 2>"$PG_DIR/ld-debug.log" || pg_fail "pullguard version failed"
if grep -E "calling init: .*(libcurl|libssl)" "$PG_DIR/ld-debug.log" >&2; then
  pg_fail "pullguard version loaded libcurl/libssl at start-up"
fi
grep -q "calling init: .*libc.so" "$PG_DIR/ld-debug.log" || pg_fail "LD_DEBUG gave no trace to check"
pg_log "ok"
