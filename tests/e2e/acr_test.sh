#!/usr/bin/env bash
# The acr source end to end. tests/servers/azure_server.py plays Azure IMDS, Entra ID's token
# endpoint and ACR's /oauth2/exchange (checking headers, form fields, api-version, the assertion's
# signature and claims); Debian's docker-registry in `auth: token` mode with the test token server
# stands in for the registry, whose token realm takes the ACR refresh token as the password of
# 00000000-0000-0000-0000-000000000000; containerd (ctr) pulls with pullguard's answer.
# Node identity and per-pod workload identity, identities kept apart, 32 concurrent execs, the
# faults (IMDS absent or slow, AADSTS refusals, an exchange 401) and the requests of a cold exec.
# Args: pullguard binary, source dir, scratch dir.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$2/tests/e2e/lib.sh"
pg_e2e "$@"
started=$SECONDS

alice_pw=$(pg_secret)
node_pw=$(pg_secret)
pod_pw=$(pg_secret)
SECRETS=("$alice_pw" "$node_pw" "$pod_pw")

pg_log "token server + docker-registry in token mode (ACR refresh tokens are JWTs, 3 h)"
python3 - "$alice_pw" "$node_pw" "$pod_pw" >"$PG_DIR/users.json" <<'PY'
import json, sys
print(json.dumps({"refresh_expires_in": 10800, "users": {
    "alice": {"password": sys.argv[1], "access": {"*": ["pull", "push"]}},
    "acr-node": {"password": sys.argv[2], "access": {"*": ["pull"]}},
    "acr-pod": {"password": sys.argv[3], "access": {"team/app": ["pull"]}},
}}))
PY
chmod 600 "$PG_DIR/users.json"
pg_start_token_registry "$src" "$PG_DIR/users.json"
REG=$PG_TOKEN_REGISTRY
pg_build_oci_image "$PG_DIR/oci" v1 >/dev/null
pg_push_image "$PG_DIR/oci" v1 team/app:v1 alice "$alice_pw" "$REG"
pg_push_image "$PG_DIR/oci" v1 other/app:v1 alice "$alice_pw" "$REG"

pg_log "the cluster's service-account issuer and the pods' tokens"
openssl genrsa -out "$PG_DIR/sa.pem" 2048 >/dev/null 2>&1 || pg_fail "openssl genrsa"
chmod 600 "$PG_DIR/sa.pem"
ISS=https://oidc.pullguard.test/cluster
WI_AUD=api://AzureADTokenExchange
# One process signs them all: the pod's, another pod's of the same service account, another
# service account's, one for the wrong audience, one expired.
mapfile -t sa < <(python3 "$src/tests/servers/azure_server.py" mint-sa-token --key "$PG_DIR/sa.pem" \
  --iss "$ISS" <<EOF
system:serviceaccount:team:puller $WI_AUD 3600
system:serviceaccount:team:puller $WI_AUD 3600
system:serviceaccount:team:stranger $WI_AUD 3600
system:serviceaccount:team:puller registry.example 3600
system:serviceaccount:team:puller $WI_AUD -60
EOF
)
[ "${#sa[@]}" -eq 5 ] || pg_fail "minted ${#sa[@]} service-account tokens, want 5"
sa_pod=${sa[0]} sa_pod2=${sa[1]} sa_stranger=${sa[2]} sa_wrong_aud=${sa[3]} sa_expired=${sa[4]}
SECRETS+=("$sa_pod" "$sa_pod2" "$sa_stranger" "$sa_wrong_aud" "$sa_expired")

TENANT=72f988bf-86f1-41af-91ab-2d7cd011db47
OTHER_TENANT=0fffffff-1111-2222-3333-444444444444
POD_CLIENT=99999999-8888-7777-6666-555555555555
UA_CLIENT=11111111-2222-3333-4444-555555555555   # user-assigned, no AcrPull
SLOW_CLIENT=22222222-3333-4444-5555-666666666666 # IMDS takes 30 s for it
UNKNOWN_CLIENT=33333333-4444-5555-6666-777777777777

pg_log "Azure IMDS, Entra ID and ACR exchange (tests/servers/azure_server.py)"
python3 - "$PG_DIR" "$REG" "$PG_TOKEN_URL" "$node_pw" "$pod_pw" "$TENANT" "$ISS" "$POD_CLIENT" \
  "$UA_CLIENT" "$SLOW_CLIENT" >"$PG_DIR/azure.json" <<'PY'
import json, sys
d, reg, token_url, node_pw, pod_pw, tenant, iss, pod, ua, slow = sys.argv[1:]
print(json.dumps({
    "tenant": tenant, "sa_key": d + "/sa.pem",
    "identities": {"system": {"principal": "node-vmss", "role": "acr-node"},
                   ua: {"principal": "ua-norole", "role": None},
                   slow: {"principal": "slow", "role": "acr-node", "delay_ms": 30000}},
    "federated": {pod: {"issuer": iss, "subject": "system:serviceaccount:team:puller",
                        "audience": "api://AzureADTokenExchange", "role": "acr-pod"}},
    "acr": {"service": reg, "token_url": token_url + "/token",
            "token_service": "pullguard-test-registry",
            "roles": {"acr-node": {"username": "acr-node", "password": node_pw},
                      "acr-pod": {"username": "acr-pod", "password": pod_pw}}}}))
PY
chmod 600 "$PG_DIR/azure.json"
mkdir -p "$PG_DIR/azure"
python3 "$src/tests/servers/azure_server.py" --config "$PG_DIR/azure.json" --port-dir "$PG_DIR/azure" \
  >"$PG_DIR/azure.log" 2>&1 &
azure_pid=$!
PG_PIDS+=("$azure_pid")
for role in imds entra acr; do
  pg_wait_port_file "$PG_DIR/azure/$role.port" "$azure_pid" >/dev/null || {
    cat "$PG_DIR/azure.log" >&2
    pg_fail "azure server did not start"
  }
done
IMDS=http://127.0.0.1:$(cat "$PG_DIR/azure/imds.port")
ENTRA=http://127.0.0.1:$(cat "$PG_DIR/azure/entra.port")
EXCHANGE=http://127.0.0.1:$(cat "$PG_DIR/azure/acr.port")/oauth2/exchange
# As kubelet passes a provider's env; with the trailing slash the Azure SDKs write.
export AZURE_AUTHORITY_HOST=$ENTRA/

reset() { curl -s -X POST "$IMDS/reset" >/dev/null; }  # the Azure servers' request counts
# want_counts IMDS ENTRA EXCHANGE WHAT: the requests the Azure servers saw since the last reset.
want_counts() {
  local got
  got=$(curl -s "$IMDS/count" | python3 -c 'import json,sys; c=json.load(sys.stdin); print(c["imds"], c["entra"], c["exchange"])')
  [ "$got" = "$1 $2 $3" ] || pg_fail "$4: IMDS/Entra/exchange requests $got, want $1 $2 $3"
}

# request IMAGE [SA_TOKEN] [CLIENT_ID] [TENANT_ID] -> a v1 CredentialProviderRequest. Written by
# printf (no Python start per exec): every value is an image, a JWT or a GUID, nothing to escape.
request() {
  local r ann=""
  r='{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"'$1'"'
  [ -n "${2:-}" ] && r+=',"serviceAccountToken":"'$2'"'
  [ -n "${3:-}" ] && ann='"azure.workload.identity/client-id":"'$3'"'
  [ -n "${4:-}" ] && ann+=${ann:+,}'"azure.workload.identity/tenant-id":"'$4'"'
  [ -n "$ann" ] && r+=',"serviceAccountAnnotations":{'$ann'}'
  printf '%s}\n' "$r"
}
# get NAME CONFIG IMAGE [SA CLIENT TENANT]: rc in $rc, out/NAME.json, err/NAME, secs in $took.
get() {
  local name=$1 config=$2
  shift 2
  rc=0
  local t0=$SECONDS
  request "$@" | "$bin" get-credentials --config="$config" >"$PG_DIR/out/$name.json" \
    2>"$PG_DIR/err/$name" || rc=$?
  took=$((SECONDS - t0))
}
expect_fail() {  # NAME NEEDLE, and the line in the test's log
  pg_expect_fail "$@"
  pg_log "  $1: $(cut -c1-220 "$PG_DIR/err/$1")"
}
# acr_config NAME [EXTRA acr LINES]: the entry for the test registry, IMDS and exchange local.
acr_config() {
  local name=$1 extra=${2:-}
  {
    printf 'apiVersion: pullguard.io/v1alpha1\nkind: PullguardConfig\nstateDir: %s\n' "$PG_DIR/state-$name"
    printf 'registries:\n  - match: ["%s"]\n' "$REG"
    [ "${VERIFY:-}" = 1 ] && printf '    verify: true\n'
    [ -n "${CACHE:-}" ] && printf '    cacheDuration: %s\n' "$CACHE"
    printf '    acr:\n      imdsEndpoint: %s\n      exchangeEndpoint: %s\n' "$IMDS" "$EXCHANGE"
    [ -n "$extra" ] && printf '%s\n' "$extra"
  } >"$PG_DIR/$name.yaml"
  chmod 600 "$PG_DIR/$name.yaml"
  echo "$PG_DIR/$name.yaml"
}

PG_CTR_OK=0
if pg_start_containerd; then PG_CTR_OK=1; else pg_log "containerd cannot run here (not root?)"; fi

# The slow IMDS waits in the background while the rest runs: its exec must give up on its own.
slow_cfg=$(acr_config slow "      clientId: $SLOW_CLIENT")
(
  t0=$(date +%s%N)
  rc=0
  request "$REG/team/app" | "$bin" get-credentials --config="$slow_cfg" >"$PG_DIR/out/imds-slow.json" \
    2>"$PG_DIR/err/imds-slow" || rc=$?
  echo "$rc $((($(date +%s%N) - t0) / 1000000))" >"$PG_DIR/imds-slow.result"
) &
slow_pid=$!

# ---------------------------------------------------------------------------------------------
pg_log "node identity: one IMDS call and one exchange, containerd pulls with the refresh token"
# cacheDuration 4h: the refresh token's expiry, not the entry's cap, sets the answer's duration.
node_cfg=$(CACHE=4h acr_config node "      tenantId: $TENANT")
reset
get node "$node_cfg" "$REG/team/app"
pg_expect_ok node
want_counts 1 0 1 "node identity, cold exec"
node_user=$(pg_field node "$REG" username)
node_pass=$(pg_field node "$REG" password)
SECRETS+=("$node_pass")
[ "$node_user" = 00000000-0000-0000-0000-000000000000 ] || pg_fail "node username $node_user"
# The refresh token's exp is 3 h away; the margin is 5 min: 2h55m at most, whole seconds.
dur=$(pg_field node -)
python3 -c 'import re,sys; d=sys.argv[1]; m=re.fullmatch(r"(\d+)h(?:(\d+)m)?(?:(\d+)s)?",d); s=int(m[1])*3600+int(m[2] or 0)*60+int(m[3] or 0); assert 10400<=s<=10500, d' "$dur" ||
  pg_fail "node cacheDuration $dur, want about 2h55m"
pg_ctr_pull node "$node_user" "$node_pass" "$REG/team/app:v1"
pg_ctr_pull node-other "$node_user" "$node_pass" "$REG/other/app:v1"
pg_ctr_pull_refused node-bogus "$node_user" "not-a-refresh-token" "$REG/team/app:v1"
get node-again "$node_cfg" "$REG/other/app"
pg_expect_ok node-again
[ "$(pg_field node-again "$REG" password)" = "$node_pass" ] || pg_fail "the token cache was not used"
want_counts 1 0 1 "node identity, warm exec"
find "$PG_DIR/state-node/tokens" -name '*.json' -perm 0600 | grep -q . || pg_fail "no 0600 token file"
[ "$(stat -c %a "$PG_DIR/state-node/tokens")" = 700 ] || pg_fail "tokens dir is not 0700"

pg_log "doctor: the dry run fetches anew with the node identity and names it"
doctor_cfg=$(acr_config doctor "      tenantId: $TENANT")
get doctor-warm "$doctor_cfg" "$REG/team/app"  # the cache holds a refresh token: doctor ignores it
pg_expect_ok doctor-warm
reset
doc_rc=0
"$bin" doctor --config="$doctor_cfg" >"$PG_DIR/out/doctor.txt" 2>"$PG_DIR/err/doctor" || doc_rc=$?
grep -h "dry run" "$PG_DIR/out/doctor.txt" "$PG_DIR/err/doctor" >"$PG_DIR/doctor-dry-run.txt" || true
grep -q "node managed identity (system-assigned) answered: one exchange gave a refresh token for $REG" \
  "$PG_DIR/doctor-dry-run.txt" || pg_fail "doctor (exit $doc_rc): $(cat "$PG_DIR/out/doctor.txt" "$PG_DIR/err/doctor")"
want_counts 1 0 1 "doctor's dry run (warm cache, fetched anew)"
pg_log "  $(cut -c1-200 "$PG_DIR/doctor-dry-run.txt")"

pg_log "node identity with verify: true: the preflight proves the refresh token pulls"
verify_cfg=$(VERIFY=1 acr_config verify "      tenantId: $TENANT")
get verify "$verify_cfg" "$REG/team/app:v1"
pg_expect_ok verify
find "$PG_DIR/state-verify/evidence" -type f | grep -q . || pg_fail "no evidence recorded for the proof"

pg_log "a user-assigned identity without AcrPull: exchanged, but the registry refuses it"
ua_cfg=$(acr_config ua "      clientId: $UA_CLIENT")
get ua "$ua_cfg" "$REG/team/app"
pg_expect_ok ua
ua_pass=$(pg_field ua "$REG" password)
SECRETS+=("$ua_pass")
[ "$ua_pass" != "$node_pass" ] || pg_fail "two node identities shared a refresh token"
pg_ctr_pull_refused ua 00000000-0000-0000-0000-000000000000 "$ua_pass" "$REG/team/app:v1"
ua_verify_cfg=$(VERIFY=1 acr_config ua-verify "      clientId: $UA_CLIENT")
get ua-verify "$ua_verify_cfg" "$REG/team/app"
expect_fail ua-verify "refused"

pg_log "debug logging of both cold paths: no token in the log"
debug_cfg=$(acr_config debug "      tenantId: $TENANT")
for who in node pod; do
  if [ "$who" = pod ]; then req=$(request "$REG/team/app" "$sa_pod" "$POD_CLIENT"); else req=$(request "$REG/team/app"); fi
  printf '%s' "$req" | PULLGUARD_LOG_LEVEL=debug "$bin" get-credentials --config="$debug_cfg" \
    >"$PG_DIR/out/debug-$who.json" 2>"$PG_DIR/err/debug-$who" || pg_fail "debug $who: $(cat "$PG_DIR/err/debug-$who")"
  grep -q '"acr.exchanged"' "$PG_DIR/err/debug-$who" || pg_fail "debug $who: no acr.exchanged log line"
  SECRETS+=("$(pg_field "debug-$who" "$REG" password)")
done

# ---------------------------------------------------------------------------------------------
pg_log "workload identity: the pod's token as client assertion, then one exchange"
reset
get pod "$node_cfg" "$REG/team/app" "$sa_pod" "$POD_CLIENT" "$TENANT"
pg_expect_ok pod
want_counts 0 1 1 "workload identity, cold exec"
pod_pass=$(pg_field pod "$REG" password)
SECRETS+=("$pod_pass")
[ "$pod_pass" != "$node_pass" ] || pg_fail "the pod got the node's refresh token"
pg_ctr_pull pod 00000000-0000-0000-0000-000000000000 "$pod_pass" "$REG/team/app:v1"
pg_ctr_pull_refused pod-other 00000000-0000-0000-0000-000000000000 "$pod_pass" "$REG/other/app:v1"
get pod-again "$node_cfg" "$REG/team/app" "$sa_pod" "$POD_CLIENT" "$TENANT"
pg_expect_ok pod-again
want_counts 0 1 1 "workload identity, warm exec"
get pod2 "$node_cfg" "$REG/team/app" "$sa_pod2" "$POD_CLIENT"  # tenant from acr.tenantId
pg_expect_ok pod2
want_counts 0 2 2 "another pod's token: its own exchange"
get pod-no-annotation "$node_cfg" "$REG/team/app" "$sa_pod"
pg_expect_ok pod-no-annotation
[ "$(pg_field pod-no-annotation "$REG" password)" = "$node_pass" ] ||
  pg_fail "without the annotation the node identity answers"
want_counts 0 2 2 "node identity from the cache"

pg_log "requireServiceAccountToken: true: no node identity, no request"
strict_cfg=$(acr_config strict "      tenantId: $TENANT
      requireServiceAccountToken: true")
get strict-none "$strict_cfg" "$REG/team/app"
expect_fail strict-none "no serviceAccountToken"
get strict-unannotated "$strict_cfg" "$REG/team/app" "$sa_pod"
expect_fail strict-unannotated "no azure.workload.identity/client-id annotation"
get strict-pod "$strict_cfg" "$REG/team/app" "$sa_pod" "$POD_CLIENT"
pg_expect_ok strict-pod
want_counts 0 3 3 "strict entry"

# ---------------------------------------------------------------------------------------------
concurrent() {  # NAME CONFIG [SA CLIENT]
  request "$REG/team/app" "${3:-}" "${4:-}" >"$PG_DIR/req-$1.json"
  pg_concurrent_execs "$1" "$2" "$PG_DIR/req-$1.json"
}
pg_log "32 concurrent execs: one IMDS call and one exchange between them"
curl -s -X POST -d '{"delay_ms": 300}' "$IMDS/config" >/dev/null
reset
concurrent many-node "$(acr_config many-node "      tenantId: $TENANT")"
want_counts 1 0 1 "32 concurrent node execs"
pg_log "32 concurrent execs of one pod: one Entra ID call and one exchange"
reset
concurrent many-pod "$(acr_config many-pod "      tenantId: $TENANT")" "$sa_pod" "$POD_CLIENT"
want_counts 0 1 1 "32 concurrent pod execs"
curl -s -X POST -d '{"delay_ms": 0}' "$IMDS/config" >/dev/null

# ---------------------------------------------------------------------------------------------
pg_log "faults: each one line, bounded, no secret"
dead_port=$(pg_free_port)
absent_cfg=$(acr_config absent)
sed -i "s#imdsEndpoint: .*#imdsEndpoint: http://127.0.0.1:$dead_port#" "$absent_cfg"
get imds-absent "$absent_cfg" "$REG/team/app"
expect_fail imds-absent "Azure IMDS (127.0.0.1:$dead_port) gave no token"
[ "$took" -le 5 ] || pg_fail "IMDS absent took $took s"
get aad-stranger "$node_cfg" "$REG/team/app" "$sa_stranger" "$POD_CLIENT" "$TENANT"
expect_fail aad-stranger "AADSTS700213: No matching federated identity record"
get aad-audience "$node_cfg" "$REG/team/app" "$sa_wrong_aud" "$POD_CLIENT" "$TENANT"
expect_fail aad-audience "AADSTS700212"
get aad-expired "$node_cfg" "$REG/team/app" "$sa_expired" "$POD_CLIENT" "$TENANT"
expect_fail aad-expired "AADSTS700024"
get aad-unknown-client "$node_cfg" "$REG/team/app" "$sa_pod" "$UNKNOWN_CLIENT" "$TENANT"
expect_fail aad-unknown-client "AADSTS700016"
get aad-tenant "$node_cfg" "$REG/team/app" "$sa_pod" "$POD_CLIENT" "$OTHER_TENANT"
expect_fail aad-tenant "AADSTS90002"
for n in aad-stranger aad-audience aad-expired aad-unknown-client aad-tenant; do
  grep -q "refused the service-account token of the workload identity" "$PG_DIR/err/$n" ||
    pg_fail "$n: the line does not say what was refused"
  if grep -q "Trace ID" "$PG_DIR/err/$n"; then pg_fail "$n: Entra ID's trace lines leaked"; fi
done
wrong_tenant_cfg=$(acr_config wrong-tenant "      tenantId: $OTHER_TENANT")
get exchange-401 "$wrong_tenant_cfg" "$REG/team/app"
expect_fail exchange-401 "refused the Entra ID token of the node managed identity (system-assigned) (HTTP 401: UNAUTHORIZED"

pg_log "IMDS slow: the exec gives up by itself"
wait "$slow_pid" || true
read -r slow_rc slow_ms <"$PG_DIR/imds-slow.result"
rc=$slow_rc
expect_fail imds-slow "Azure IMDS (127.0.0.1:$(cat "$PG_DIR/azure/imds.port")) gave no token"
[ "$slow_ms" -le 16000 ] || pg_fail "slow IMDS took $slow_ms ms"
pg_log "  slow IMDS gave up after $slow_ms ms"

# ---------------------------------------------------------------------------------------------
pg_log "no secret in any stderr or log"
for s in "${SECRETS[@]}"; do
  [ -n "$s" ] || continue
  if grep -rlF -- "$s" "$PG_DIR/err" "$PG_DIR/out/doctor.txt" "$PG_DIR/azure.log" "$PG_DIR/token-registry/token.log" 2>/dev/null; then
    pg_fail "a secret appears in the files above"
  fi
done
pg_log "acr e2e: all passed in $((SECONDS - started)) s"
