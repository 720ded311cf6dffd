#!/usr/bin/env bash
# The identity-exchange sources and preflight end to end, with real parts: Debian's docker-registry
# in `auth: token` mode (the test token server issues the JWTs it validates), skopeo to push, the
# RFC 8693 / Quay-federation endpoints of tests/servers/exchange_server.py, containerd's ctr as the
# consumer of what pullguard returns, and 32 concurrent execs against one token server.
# Args: pullguard binary, source dir, scratch dir.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$2/tests/e2e/lib.sh"
pg_e2e "$@"

alice_pw=$(pg_secret)
bob_pw=$(pg_secret)
carol_pw=$(pg_secret)
SECRETS=("$alice_pw" "$bob_pw" "$carol_pw")

pg_log "token server + docker-registry in token mode"
# The registry's access log counts the requests a storm of preflights makes.
export PG_REGISTRY_ACCESSLOG=1
python3 - "$alice_pw" "$bob_pw" "$carol_pw" >"$PG_DIR/users.json" <<'PY'
import json, sys
print(json.dumps({"users": {
    "alice": {"password": sys.argv[1], "access": {"*": ["pull", "push"]}},
    "bob": {"password": sys.argv[2], "access": {"team/app": ["pull"]}},
    "carol": {"password": sys.argv[3], "access": {}},
}}))
PY
chmod 600 "$PG_DIR/users.json"
pg_start_token_registry "$src" "$PG_DIR/users.json"
REG=$PG_TOKEN_REGISTRY
pg_build_oci_image "$PG_DIR/oci" v1 >/dev/null
pg_push_image "$PG_DIR/oci" v1 team/app:v1 alice "$alice_pw" "$REG"
pg_push_image "$PG_DIR/oci" v1 other/app:v1 alice "$alice_pw" "$REG"
served_digest=sha256:$(skopeo inspect --raw --tls-verify=false --creds "alice:$alice_pw" \
  "docker://$REG/team/app:v1" 2>/dev/null | sha256sum | cut -d' ' -f1)

token_count() { curl -s "$PG_TOKEN_URL/count" | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
token_reset() { curl -s -X POST "$PG_TOKEN_URL/reset" >/dev/null; }

# Service-account tokens as kubelet would send them (JWT-shaped, kubernetes.io claims).
sa_jwt() {
  python3 - "$1" "$2" <<'PY'
import base64, json, secrets, sys, time
b = lambda o: base64.urlsafe_b64encode(json.dumps(o).encode()).rstrip(b"=").decode()
exp = int(time.time()) + int(sys.argv[2])
print(b({"alg": "RS256", "kid": "k"}) + "." + b({
    "aud": ["registry.example"], "exp": exp, "iss": "https://kubernetes.default.svc",
    "kubernetes.io": {"namespace": "team", "serviceaccount": {"name": sys.argv[1], "uid": "uid-" + sys.argv[1]}},
    "jti": secrets.token_hex(8)}) + "." + secrets.token_urlsafe(32))
PY
}
sa_alice=$(sa_jwt puller 3600)
sa_unknown=$(sa_jwt stranger 3600)
SECRETS+=("$sa_alice" "$sa_unknown")

pg_log "exchange endpoints (RFC 8693, Quay federation)"
python3 - "$PG_TOKEN_URL/token" "$sa_alice" "$alice_pw" >"$PG_DIR/exchange.json" <<'PY'
import json, sys
print(json.dumps({"token_url": sys.argv[1], "service": "pullguard-test-registry",
                  "audience": "registry.example", "expires_in": 600,
                  "subjects": {sys.argv[2]: {"username": "alice", "password": sys.argv[3],
                                             "robot": "org+puller"}}}))
PY
chmod 600 "$PG_DIR/exchange.json"
python3 "$src/tests/servers/exchange_server.py" --config "$PG_DIR/exchange.json" \
  --port-file "$PG_DIR/exchange.port" >"$PG_DIR/exchange.log" 2>&1 &
PG_PIDS+=("$!")
EXCH=http://127.0.0.1:$(pg_wait_port_file "$PG_DIR/exchange.port" "$!") || pg_fail "exchange server"

# request IMAGE [SA_TOKEN] -> a v1 CredentialProviderRequest on stdout.
request() {
  python3 -c 'import json,sys
r={"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":sys.argv[1]}
if len(sys.argv)>2 and sys.argv[2]: r["serviceAccountToken"]=sys.argv[2]
print(json.dumps(r))' "$@"
}
# get NAME CONFIG IMAGE [SA_TOKEN]: runs get-credentials; rc in $rc, files out/NAME.json err/NAME.
get() {
  local name=$1 config=$2 image=$3 sa=${4:-}
  rc=0
  request "$image" "$sa" | "$bin" get-credentials --config="$config" >"$PG_DIR/out/$name.json" \
    2>"$PG_DIR/err/$name" || rc=$?
}

PG_CTR_OK=0
if pg_start_containerd; then PG_CTR_OK=1; else pg_log "containerd cannot run here (not root?)"; fi
# pg_ctr_pull: containerd runs its own token flow with the credential.

# ---------------------------------------------------------------------------------------------
pg_log "tokenExchange: service-account token -> access token -> containerd pull"
cfg=$(pg_config exchange "  - match: [\"$REG\"]
    cacheKeyType: Image
    cacheDuration: 1h
    tokenExchange:
      endpoint: $EXCH/token-exchange
      username: exchanged
      audience: registry.example")
get exchange "$cfg" "$REG/team/app" "$sa_alice"
pg_expect_ok exchange
ex_user=$(pg_field exchange "$REG" username)
ex_pass=$(pg_field exchange "$REG" password)
SECRETS+=("$ex_pass")
[ "$ex_user" = exchanged ] || pg_fail "tokenExchange username $ex_user"
[ "$ex_pass" != "$sa_alice" ] || pg_fail "tokenExchange echoed the service-account token"
# expires_in 600: margin 60 s -> at most 540 s, whole seconds.
dur=$(pg_field exchange -)
python3 -c 'import re,sys; d=sys.argv[1]; m=re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?",d); s=int(m[1] or 0)*60+int(m[2] or 0); assert d and 500<=s<=540, d' "$dur" ||
  pg_fail "tokenExchange cacheDuration $dur"
pg_ctr_pull exchange "$ex_user" "$ex_pass" "$REG/team/app:v1"
curl -s "$EXCH/count" | grep -q '"exchange": 1' || pg_fail "want one exchange: $(curl -s "$EXCH/count")"
get exchange-again "$cfg" "$REG/team/app" "$sa_alice"
pg_expect_ok exchange-again
[ "$(pg_field exchange-again "$REG" password)" = "$ex_pass" ] || pg_fail "the token cache was not used"
curl -s "$EXCH/count" | grep -q '"exchange": 1' || pg_fail "second exec exchanged again"
find "$PG_DIR/state-exchange/tokens" -type f -name '*.json' -perm 0600 | grep -q . ||
  pg_fail "no 0600 token cache file"
[ "$(stat -c %a "$PG_DIR/state-exchange/tokens")" = 700 ] || pg_fail "tokens dir is not 0700"
for s in "${SECRETS[@]}"; do
  ! grep -rqF -- "$s" "$PG_DIR/state-exchange/tokens"/*.lock 2>/dev/null || pg_fail "secret in a lock file"
done

get exchange-unknown "$cfg" "$REG/team/app" "$sa_unknown"
pg_expect_fail exchange-unknown "refused the service-account token"
get exchange-none "$cfg" "$REG/team/app"
pg_expect_fail exchange-none "no serviceAccountToken"

pg_log "tokenExchange without a token falls back to node credentials when allowed"
(umask 077 && printf '%s\n' "$bob_pw" >"$PG_DIR/bob.pw")
cfg=$(pg_config fallback "  - match: [\"$REG\"]
    tokenExchange:
      endpoint: $EXCH/token-exchange
      username: exchanged
      audience: registry.example
      requireServiceAccountToken: false
  - match: [\"$REG\"]
    static: {username: bob, passwordFile: $PG_DIR/bob.pw}")
get fallback "$cfg" "$REG/team/app"
pg_expect_ok fallback
[ "$(pg_field fallback "$REG" username)" = bob ] || pg_fail "fallback did not give node credentials"
get fallback-sa "$cfg" "$REG/team/app" "$sa_alice"
pg_expect_ok fallback-sa
[ "$(pg_field fallback-sa "$REG" username)" = exchanged ] || pg_fail "with a token the exchange wins"

# ---------------------------------------------------------------------------------------------
pg_log "refreshToken: node login once, kubelet gets the refresh token, containerd pulls"
(umask 077 && printf '%s\n' "$alice_pw" >"$PG_DIR/alice.pw")
refresh_cfg=$(pg_config refresh "  - match: [\"$REG\"]
    refreshToken: {username: alice, passwordFile: $PG_DIR/alice.pw, lifetime: 1h}")
token_reset
get refresh "$refresh_cfg" "$REG/team/app"
pg_expect_ok refresh
rt_user=$(pg_field refresh "$REG" username)
rt_pass=$(pg_field refresh "$REG" password)
SECRETS+=("$rt_pass")
[ "$rt_user" = 00000000-0000-0000-0000-000000000000 ] || pg_fail "refreshToken username $rt_user"
[ "$rt_pass" != "$alice_pw" ] || pg_fail "refreshToken handed out the node password"
[ "$(token_count post)" = 1 ] || pg_fail "want one login POST, got $(token_count post)"
get refresh-again "$refresh_cfg" "$REG/other/app"
pg_expect_ok refresh-again
[ "$(pg_field refresh-again "$REG" password)" = "$rt_pass" ] || pg_fail "refresh token not cached"
[ "$(token_count total)" = 1 ] || pg_fail "second exec logged in again"
pg_ctr_pull refresh "$rt_user" "$rt_pass" "$REG/team/app:v1"
pg_ctr_pull_refused refresh-bogus "$rt_user" "not-a-refresh-token" "$REG/other/app:v1"

# ---------------------------------------------------------------------------------------------
pg_log "federatedToken: Basic robot:serviceAccountToken -> token -> containerd pull"
cfg=$(pg_config federated "  - match: [\"$REG\"]
    federatedToken: {endpoint: $EXCH/oauth2/federation/robot/token, robot: org+puller}")
get federated "$cfg" "$REG/team/app" "$sa_alice"
pg_expect_ok federated
fd_user=$(pg_field federated "$REG" username)
fd_pass=$(pg_field federated "$REG" password)
SECRETS+=("$fd_pass")
[ "$fd_user" = org+puller ] || pg_fail "federatedToken username $fd_user"
pg_ctr_pull federated "$fd_user" "$fd_pass" "$REG/other/app:v1"
get federated-unknown "$cfg" "$REG/team/app" "$sa_unknown"
pg_expect_fail federated-unknown "refused the service-account token"

# ---------------------------------------------------------------------------------------------
pg_log "preflight (verify: true) against the token-mode registry"
(umask 077 && printf '%s\n' "$carol_pw" >"$PG_DIR/carol.pw" && printf 'wrong-%s\n' "$bob_pw" >"$PG_DIR/wrong.pw")
verify_cfg() {
  pg_config "$1" "  - match: [\"$REG\"]
    verify: true
    static: {username: $2, passwordFile: $PG_DIR/$3}"
}
cfg=$(verify_cfg verify-bob bob bob.pw)
get verify-bob "$cfg" "$REG/team/app"
pg_expect_ok verify-bob
ls "$PG_DIR/state-verify-bob/evidence" | grep -q . || pg_fail "no evidence recorded for the proof"
get verify-bob-tag "$cfg" "$REG/team/app:v1"
pg_expect_ok verify-bob-tag
grep -rqF "$served_digest" "$PG_DIR/state-verify-bob/image_manager/pulled" ||
  pg_fail "the manifest digest $served_digest was not recorded"
get verify-bob-other "$cfg" "$REG/other/app"
pg_expect_fail verify-bob-other "refused pull of other/app"
get verify-bob-missing "$cfg" "$REG/team/nothing"
pg_expect_fail verify-bob-missing "refused pull of team/nothing"
cfg=$(verify_cfg verify-carol carol carol.pw)
get verify-carol "$cfg" "$REG/team/app"
pg_expect_fail verify-carol "refused"
cfg=$(verify_cfg verify-wrong bob wrong.pw)
get verify-wrong "$cfg" "$REG/team/app"
pg_expect_fail verify-wrong "refused the credential"
cfg=$(pg_config verify-alice "  - match: [\"$REG\"]
    verify: true
    static: {username: alice, passwordFile: $PG_DIR/alice.pw}")
get verify-alice-missing "$cfg" "$REG/team/nothing"
pg_expect_fail verify-alice-missing "has no repository team/nothing"

# ---------------------------------------------------------------------------------------------
concurrent() {  # NAME CONFIG IMAGE
  request "$3" >"$PG_DIR/req-$1.json"
  pg_concurrent_execs "$1" "$2" "$PG_DIR/req-$1.json"
}
pg_log "32 concurrent execs, refreshToken: one login at the token server"
cfg=$(pg_config many-refresh "  - match: [\"$REG\"]
    refreshToken: {username: alice, passwordFile: $PG_DIR/alice.pw}")
# A slow token server widens the window in which the execs overlap.
curl -s -X POST -d '{"delay_ms": 300}' "$PG_TOKEN_URL/config" >/dev/null
token_reset
concurrent many-refresh "$cfg" "$REG/team/app"
[ "$(token_count total)" = 1 ] || pg_fail "32 execs made $(token_count total) token requests, want 1"
SECRETS+=("$(pg_field many-refresh-1 "$REG" password)")

# registry_requests: /v2/ requests docker-registry has logged so far (a line is written when a
# response ends, a moment after the client has it).
registry_requests() {
  sleep 0.5
  pg_registry_requests "$PG_DIR/token-registry/registry.log"
}
pg_log "32 concurrent execs, preflight: one flight (1 token request, at most 2 registry requests)"
cfg=$(pg_config many-verify "  - match: [\"$REG\"]
    verify: true
    static: {username: bob, passwordFile: $PG_DIR/bob.pw}")
token_reset
regs=$(registry_requests)
concurrent many-verify "$cfg" "$REG/team/app"
[ "$(token_count total)" = 1 ] || pg_fail "32 preflights made $(token_count total) token requests, want 1"
n=$(($(registry_requests) - regs))
[ "$n" -ge 1 ] && [ "$n" -le 2 ] || pg_fail "32 preflights made $n registry requests, want 1-2"
pg_log "the same storm again while the pull token lives: the proof is reused, no request at all"
regs=$(registry_requests)
concurrent many-verify-again "$cfg" "$REG/team/app"
[ "$(token_count total)" = 1 ] || pg_fail "a reused proof fetched a token"
[ "$(registry_requests)" = "$regs" ] || pg_fail "a reused proof asked the registry"
pg_log "32 concurrent execs for a tag: one flight, the digest recorded once"
token_reset
regs=$(registry_requests)
concurrent many-verify-tag "$cfg" "$REG/team/app:v1"
n=$(($(registry_requests) - regs))
[ "$(token_count total)" -le 1 ] && [ "$n" -ge 1 ] && [ "$n" -le 2 ] ||
  pg_fail "32 tag preflights: $(token_count total) token and $n registry requests, want <= 1 and 1-2"
grep -rqF "$served_digest" "$PG_DIR/state-many-verify/image_manager/pulled" ||
  pg_fail "the storm's proof did not record the digest $served_digest"

pg_log "no credential rides on another's proof (same state dir, proof still reusable)"
same_state() { # NAME USER PASSWORD_FILE: a config sharing many-verify's state dir
  printf 'apiVersion: pullguard.io/v1alpha1\nkind: PullguardConfig\nstateDir: %s\nregistries:\n  - match: ["%s"]\n    verify: true\n    static: {username: %s, passwordFile: %s}\n' \
    "$PG_DIR/state-many-verify" "$REG" "$2" "$PG_DIR/$3" >"$PG_DIR/$1.yaml"
  chmod 600 "$PG_DIR/$1.yaml"
  echo "$PG_DIR/$1.yaml"
}
get ride-wrong "$(same_state ride-wrong bob wrong.pw)" "$REG/team/app"
pg_expect_fail ride-wrong "refused the credential"
get ride-carol "$(same_state ride-carol carol carol.pw)" "$REG/team/app"
pg_expect_fail ride-carol "refused"
get ride-other "$cfg" "$REG/other/app"
pg_expect_fail ride-other "refused pull of other/app"
pg_log "32 concurrent refused execs all fail, and the refusal is never reused as a proof"
concurrent_fail() { # NAME CONFIG IMAGE NEEDLE: every exec fails with NEEDLE on its one stderr line
  local name=$1 config=$2 image=$3 needle=$4 n=32 i pids=()
  request "$image" >"$PG_DIR/req-$name.json"
  for i in $(seq 1 $n); do
    "$bin" get-credentials --config="$config" <"$PG_DIR/req-$name.json" \
      >"$PG_DIR/out/$name-$i.json" 2>"$PG_DIR/err/$name-$i" &
    pids+=("$!")
  done
  for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then pg_fail "$name: exec $((i + 1)) succeeded"; fi
    rc=1
    pg_expect_fail "$name-$((i + 1))" "$needle"
  done
}
cfg=$(verify_cfg many-carol carol carol.pw)
concurrent_fail many-carol "$cfg" "$REG/team/app" "refused"
get many-carol-after "$cfg" "$REG/team/app"
pg_expect_fail many-carol-after "refused"
! grep -rlq '"proven":true' "$PG_DIR/state-many-carol/proofs" || pg_fail "a refusal was stored as a proof"
curl -s -X POST -d '{"delay_ms": 0}' "$PG_TOKEN_URL/config" >/dev/null

# ---------------------------------------------------------------------------------------------
pg_log "no secret in any stderr or log"
for s in "${SECRETS[@]}"; do
  [ -n "$s" ] || continue
  if grep -rlF -- "$s" "$PG_DIR/err" "$PG_DIR/exchange.log" "$PG_DIR/token-registry/token.log" 2>/dev/null; then
    pg_fail "a secret appears in the files above"
  fi
done
pg_log "sources e2e: all passed"
