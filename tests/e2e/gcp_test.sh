#!/usr/bin/env bash
# The gcp source end to end: Google's metadata server, STS and IAM Credentials played by
# tests/servers/google_server.py (checking what the real ones check), a real docker-registry in
# token mode standing in for Artifact Registry (the test token server accepts user
# oauth2accesstoken with a Google access token, checked at the fake's tokeninfo), containerd's ctr
# pulling with pullguard's answer. Each identity has rights on its own repository only, so a
# successful pull proves which identity answered. Also: the requests of each cold exec, the token
# cache (warm execs make none, 8 concurrent execs make one), doctor, metrics, and the faults
# (metadata server absent or slow, STS invalid_grant, IAM 403), each one stderr line, bounded in
# time, no secret. Args: pullguard binary, source dir, scratch dir.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$2/tests/e2e/lib.sh"
pg_e2e "$@"
started=$SECONDS

admin_pw=$(pg_secret)
SECRETS=("$admin_pw")
PROVIDER=//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/k8s-pool/providers/cluster-1
POOL=principal://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/k8s-pool
NODE_SA=node-sa@proj.iam.gserviceaccount.com
GSA=puller@proj.iam.gserviceaccount.com
OTHER_GSA=other@proj.iam.gserviceaccount.com
ANNOTATION=iam.gke.io/gcp-service-account

# sa_jwt NAMESPACE NAME AUDIENCE: a pod's service-account token as kubelet sends it (KEP-4412).
sa_jwt() {
  python3 - "$@" <<'PY'
import base64, json, secrets, sys, time
b = lambda o: base64.urlsafe_b64encode(json.dumps(o).encode()).rstrip(b"=").decode()
ns, name, aud = sys.argv[1:4]
print(b({"alg": "RS256", "kid": "k"}) + "." + b({
    "aud": [aud], "exp": int(time.time()) + 3600, "iss": "https://kubernetes.default.svc",
    "sub": "system:serviceaccount:%s:%s" % (ns, name),
    "kubernetes.io": {"namespace": ns, "serviceaccount": {"name": name, "uid": "uid-" + name}},
    "jti": secrets.token_hex(8)}) + "." + secrets.token_urlsafe(32))
PY
}
sa_direct=$(sa_jwt team direct "$PROVIDER")
sa_puller=$(sa_jwt team puller "$PROVIDER")
sa_stranger=$(sa_jwt team stranger "$PROVIDER")  # issued by no cluster Google trusts
sa_wrong_aud=$(sa_jwt team direct registry.example)
SECRETS+=("$sa_direct" "$sa_puller" "$sa_stranger" "$sa_wrong_aud")

pg_log "fake Google (metadata, STS, IAM Credentials, tokeninfo)"
python3 - "$PROVIDER" "$NODE_SA" "$GSA" "$OTHER_GSA" "$POOL/subject/system:serviceaccount:team:puller" \
  "$sa_direct" "$sa_puller" "$sa_wrong_aud" >"$PG_DIR/google.json" <<'PY'
import json, sys
provider, node, gsa, other, puller = sys.argv[1:6]
print(json.dumps({"node_account": node, "expires_in": 3599, "providers": [provider],
                  "subject_tokens": sys.argv[6:],
                  "impersonation": {gsa: [puller], other: []}}))
PY
chmod 600 "$PG_DIR/google.json"
python3 "$src/tests/servers/google_server.py" --config "$PG_DIR/google.json" \
  --port-file "$PG_DIR/google.ports" >"$PG_DIR/google.log" 2>&1 &
PG_PIDS+=("$!")
pg_wait_port_file "$PG_DIR/google.ports" "$!" >/dev/null || pg_fail "google server did not start"
gport() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$PG_DIR/google.ports" "$1"; }
MD=127.0.0.1:$(gport metadata)
STS=http://127.0.0.1:$(gport sts)
IAM=http://127.0.0.1:$(gport iam)
OAUTH2=http://127.0.0.1:$(gport oauth2)
export GCE_METADATA_HOST=$MD  # as kubelet would pass it from the provider's env
# calls -> "metadata sts iam" request counts since the last reset
calls() { curl -s "$STS/count" | python3 -c 'import json,sys; c=json.load(sys.stdin); print(c["metadata"], c["sts"], c["iam"])'; }
reset() { curl -s -X POST "$STS/reset" >/dev/null; }
expect_calls() {  # NAME "metadata sts iam"
  local got
  got=$(calls)
  [ "$got" = "$2" ] || pg_fail "$1: Google saw '$got' requests (metadata sts iam), want '$2'"
}

pg_log "the fakes check what Google checks"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code "http://$MD/computeMetadata/v1/instance/service-accounts/default/token")" = 403 ] ||
  pg_fail "fake metadata server accepts a request without Metadata-Flavor"
[ "$(code -H 'Metadata-Flavor: Google' -H 'X-Forwarded-For: 10.0.0.1' \
  "http://$MD/computeMetadata/v1/instance/service-accounts/default/token")" = 403 ] ||
  pg_fail "fake metadata server accepts a proxied request"
[ "$(code --data-urlencode grant_type=urn:ietf:params:oauth:grant-type:token-exchange \
  --data-urlencode "subject_token=$sa_direct" --data-urlencode audience="$PROVIDER" \
  --data-urlencode subject_token_type=urn:ietf:params:oauth:token-type:jwt \
  --data-urlencode scope=https://www.googleapis.com/auth/cloud-platform "$STS/v1/token")" = 400 ] ||
  pg_fail "fake STS accepts a request without requested_token_type"
[ "$(code -X POST -H 'Content-Type: application/json' -d '{"scope":["x"]}' \
  "$IAM/v1/projects/-/serviceAccounts/$GSA:generateAccessToken")" = 401 ] ||
  pg_fail "fake IAM Credentials accepts a request without a Bearer token"
reset

pg_log "docker-registry in token mode standing in for Artifact Registry"
python3 - "$admin_pw" "$OAUTH2/tokeninfo" "$NODE_SA" "$POOL/subject/system:serviceaccount:team:direct" \
  "$GSA" >"$PG_DIR/users.json" <<'PY'
import json, sys
pw, tokeninfo, node, direct, gsa = sys.argv[1:6]
print(json.dumps({"users": {"admin": {"password": pw, "access": {"*": ["pull", "push"]}}},
                  "google": {"tokeninfo_url": tokeninfo, "principals": {
                      node: {"proj/node/*": ["pull"]},
                      direct: {"proj/direct/*": ["pull"]},
                      gsa: {"proj/team/*": ["pull"]}}}}))
PY
chmod 600 "$PG_DIR/users.json"
pg_start_token_registry "$src" "$PG_DIR/users.json"
REG=$PG_TOKEN_REGISTRY
pg_build_oci_image "$PG_DIR/oci" v1 >/dev/null
for repo in proj/node/app proj/direct/app proj/team/app; do
  pg_push_image "$PG_DIR/oci" v1 "$repo:v1" admin "$admin_pw" "$REG"
done

# request IMAGE [SA_TOKEN] [GSA]: a v1 CredentialProviderRequest, with the annotation when given.
request() {
  python3 -c 'import json,sys
r={"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":sys.argv[1]}
if len(sys.argv)>2 and sys.argv[2]: r["serviceAccountToken"]=sys.argv[2]
if len(sys.argv)>3 and sys.argv[3]: r["serviceAccountAnnotations"]={sys.argv[4]:sys.argv[3]}
print(json.dumps(r))' "$1" "${2:-}" "${3:-}" "$ANNOTATION"
}
# get NAME CONFIG IMAGE [SA_TOKEN] [GSA]: get-credentials; rc, seconds in $took, out/NAME.json, err/NAME.
get() {
  local name=$1 config=$2 image=$3 t
  rc=0
  t=$(date +%s%N)
  request "$image" "${4:-}" "${5:-}" | "$bin" get-credentials --config="$config" \
    >"$PG_DIR/out/$name.json" 2>"$PG_DIR/err/$name" || rc=$?
  took=$((($(date +%s%N) - t) / 1000000))
}
expect_ok() {
  [ "$rc" -eq 0 ] || pg_fail "$1: exit $rc: $(cat "$PG_DIR/err/$1")"
  [ ! -s "$PG_DIR/err/$1" ] || pg_fail "$1: wrote to stderr"
}
expect_fail() {  # NAME NEEDLE MAX_MS
  local name=$1 needle=$2
  [ "$rc" -ne 0 ] || pg_fail "$name: exit 0, want a failure"
  [ ! -s "$PG_DIR/out/$name.json" ] || pg_fail "$name: wrote to stdout on failure"
  [ "$(wc -l <"$PG_DIR/err/$name")" -eq 1 ] || pg_fail "$name: want one stderr line: $(cat "$PG_DIR/err/$name")"
  grep -q -- "$needle" "$PG_DIR/err/$name" || pg_fail "$name: stderr lacks '$needle': $(cat "$PG_DIR/err/$name")"
  [ "$took" -le "$3" ] || pg_fail "$name: took $took ms (bound $3 ms)"
  pg_log "  $name ($took ms): $(cut -c1-220 "$PG_DIR/err/$name")"
}
field() {  # NAME FIELD -> auth[$REG][FIELD], or cacheDuration for FIELD=-
  python3 -c 'import json,sys
r=json.load(open(sys.argv[1]))
print(r["cacheDuration"] if sys.argv[3]=="-" else r["auth"][sys.argv[2]][sys.argv[3]])' \
    "$PG_DIR/out/$1.json" "$REG" "$2"
}
config() {  # NAME BODY (the gcp block's lines) [ENTRY EXTRAS]
  printf 'apiVersion: pullguard.io/v1alpha1\nkind: PullguardConfig\nstateDir: %s\nmetrics: {textfile: %s}\nregistries:\n  - match: ["%s"]\n    cacheDuration: 1h\n%s    gcp:%s\n' \
    "$PG_DIR/state-$1" "$PG_DIR/metrics-$1.prom" "$REG" "${3:-}" "$2" >"$PG_DIR/$1.yaml"
  chmod 600 "$PG_DIR/$1.yaml"
  echo "$PG_DIR/$1.yaml"
}
pod_block="
      workloadIdentityProvider: $PROVIDER
      stsEndpoint: $STS
      iamCredentialsEndpoint: $IAM"

CTR_OK=0
if pg_start_containerd; then CTR_OK=1; else pg_log "containerd cannot run here (not root?)"; fi
ctr_pull() {  # NAME USER PASS REF [refused]
  [ "$CTR_OK" -eq 1 ] || return 0
  local ok=0
  ctr --address "$PG_CONTAINERD_SOCK" images rm "$4" >/dev/null 2>&1 || true
  ctr --address "$PG_CONTAINERD_SOCK" images pull --plain-http --user "$2:$3" "$4" \
    >"$PG_DIR/out/ctr-$1.log" 2>"$PG_DIR/err/ctr-$1" || ok=$?
  if [ "${5:-}" = refused ]; then
    [ "$ok" -ne 0 ] || pg_fail "containerd pulled $4 with the $1 credential, which has no rights there"
  else
    [ "$ok" -eq 0 ] || pg_fail "containerd could not pull $4 with pullguard's $1 credential"
  fi
}

# ---------------------------------------------------------------------------------------------
pg_log "node identity: one metadata request per cold exec, none when warm"
node=$(config node " {}")
get node-cold "$node" "$REG/proj/node/app:v1"
expect_ok node-cold
expect_calls node-cold "1 0 0"
[ "$(field node-cold username)" = oauth2accesstoken ] || pg_fail "node: username is not oauth2accesstoken"
node_pw=$(field node-cold password)
SECRETS+=("$node_pw")
case $(field node-cold -) in 54m5[0-9]s) ;; *) pg_fail "node: cacheDuration $(field node-cold -), want ~54m59s (expires_in 3599 minus 5 min)" ;; esac
ctr_pull node oauth2accesstoken "$node_pw" "$REG/proj/node/app:v1"
ctr_pull node-elsewhere oauth2accesstoken "$node_pw" "$REG/proj/team/app:v1" refused
get node-warm "$node" "$REG/proj/node/app:v1"
expect_ok node-warm
expect_calls node-warm "1 0 0"
[ "$(field node-warm password)" = "$node_pw" ] || pg_fail "warm exec: not the cached token"
grep -qx 'pullguard_token_requests_total 1' "$PG_DIR/metrics-node.prom" &&
  grep -qx 'pullguard_token_cache_hits_total 1' "$PG_DIR/metrics-node.prom" ||
  pg_fail "metrics: want 1 token request and 1 cache hit: $(grep token "$PG_DIR/metrics-node.prom")"

pg_log "node identity: 8 concurrent cold execs share one metadata request"
reset
burst=$(config burst " {}")
burst_pids=()
for i in 1 2 3 4 5 6 7 8; do
  (get "burst-$i" "$burst" "$REG/proj/node/app:v1"; [ "$rc" -eq 0 ] || touch "$PG_DIR/burst-failed") &
  burst_pids+=("$!")
done
wait "${burst_pids[@]}"  # not a bare `wait`: the servers are background jobs too
[ ! -e "$PG_DIR/burst-failed" ] || pg_fail "a concurrent exec failed: $(cat "$PG_DIR"/err/burst-*)"
expect_calls burst "1 0 0"

pg_log "per-pod identity, federated principal (no annotation): one STS request"
reset
pod=$(config pod "$pod_block" "    verify: true
")
get pod-direct "$pod" "$REG/proj/direct/app:v1" "$sa_direct"
expect_ok pod-direct
expect_calls pod-direct "0 1 0"
direct_pw=$(field pod-direct password)
SECRETS+=("$direct_pw")
[ "$direct_pw" != "$node_pw" ] || pg_fail "pod got the node's token"
ctr_pull pod-direct oauth2accesstoken "$direct_pw" "$REG/proj/direct/app:v1"
ctr_pull pod-direct-node-repo oauth2accesstoken "$direct_pw" "$REG/proj/node/app:v1" refused
ls "$PG_DIR/state-pod/evidence" | grep -q . || pg_fail "verify: no evidence written"

pg_log "per-pod identity, impersonating the annotated account: STS then generateAccessToken"
reset
get pod-gsa "$pod" "$REG/proj/team/app:v1" "$sa_puller" "$GSA"
expect_ok pod-gsa
expect_calls pod-gsa "0 1 1"
gsa_pw=$(field pod-gsa password)
SECRETS+=("$gsa_pw")
ctr_pull pod-gsa oauth2accesstoken "$gsa_pw" "$REG/proj/team/app:v1"
get pod-gsa-warm "$pod" "$REG/proj/team/app:v1" "$sa_puller" "$GSA"
expect_ok pod-gsa-warm
expect_calls pod-gsa-warm "0 1 1"
get pod-gsa-other-pod "$pod" "$REG/proj/direct/app:v1" "$sa_direct"
expect_ok pod-gsa-other-pod  # another identity: its own cached token, not the impersonated one
[ "$(field pod-gsa-other-pod password)" = "$direct_pw" ] || pg_fail "identities share a token"

pg_log "doctor: which identity answered, one token call"
reset
doctor_cfg=$(config doctor " {}")
"$bin" doctor --config="$doctor_cfg" --image="$REG/proj/node/app:v1" >"$PG_DIR/out/doctor" \
  2>"$PG_DIR/err/doctor" || pg_fail "doctor failed: $(cat "$PG_DIR/err/doctor")"
grep -q "identity: node (metadata server $MD, default service account)" "$PG_DIR/out/doctor" ||
  pg_fail "doctor does not say which identity answered: $(cat "$PG_DIR/out/doctor")"
expect_calls doctor "1 0 0"

pg_log "doctor: kubelet's tokenAttributes fit the workload identity provider"
kubelet_cfg() {  # AUDIENCE -> a kubelet config running pullguard with $pod
  cat >"$PG_DIR/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1
kind: CredentialProviderConfig
providers:
  - name: pullguard
    matchImages: ["$REG"]
    defaultCacheDuration: "5m"
    apiVersion: credentialprovider.kubelet.k8s.io/v1
    args: ["get-credentials", "--config=$pod"]
    tokenAttributes:
      serviceAccountTokenAudience: "$1"
      cacheType: ServiceAccount
      requireServiceAccount: false
      optionalServiceAccountAnnotationKeys: ["$ANNOTATION"]
YAML
}
kubelet_cfg "$PROVIDER"
"$bin" doctor --config="$pod" --kubelet-config="$PG_DIR/kubelet.yaml" --offline \
  >"$PG_DIR/out/doctor-kubelet" 2>&1 || pg_fail "doctor: $(cat "$PG_DIR/out/doctor-kubelet")"
grep -q "registries\[0\] gcp.*the $ANNOTATION annotation" "$PG_DIR/out/doctor-kubelet" ||
  pg_fail "doctor: no gcp tokenAttributes check: $(cat "$PG_DIR/out/doctor-kubelet")"
kubelet_cfg registry.example
if "$bin" doctor --config="$pod" --kubelet-config="$PG_DIR/kubelet.yaml" --offline \
  >"$PG_DIR/out/doctor-kubelet-bad" 2>&1; then pg_fail "doctor accepts a wrong token audience"; fi
grep -q "is not the workloadIdentityProvider" "$PG_DIR/out/doctor-kubelet-bad" ||
  pg_fail "doctor: $(cat "$PG_DIR/out/doctor-kubelet-bad")"

# ---------------------------------------------------------------------------------------------
pg_log "faults: one stderr line each, bounded, no secret"
reset
curl -s -X POST -d '{"delay_ms": {"metadata": 20000}}' "$STS/config" >/dev/null
slow=$(config slow " {}")
(get md-slow "$slow" "$REG/proj/node/app:v1"; echo "$rc $took" >"$PG_DIR/md-slow.rc") &
slow_pid=$!
dead=$(pg_free_port)
GCE_METADATA_HOST=127.0.0.1:$dead get md-absent "$(config absent " {}")" "$REG/proj/node/app:v1"
expect_fail md-absent "gcp: metadata server 127.0.0.1:$dead" 8000
get sts-invalid-grant "$pod" "$REG/proj/direct/app:v1" "$sa_stranger"
expect_fail sts-invalid-grant "refused the service-account token (HTTP 400): invalid_grant" 5000
get sts-wrong-audience "$pod" "$REG/proj/direct/app:v1" "$sa_wrong_aud"
expect_fail sts-wrong-audience "invalid_grant" 5000
get iam-403 "$pod" "$REG/proj/team/app:v1" "$sa_puller" "$OTHER_GSA"
expect_fail iam-403 "refused to let the pod impersonate $OTHER_GSA (HTTP 403 PERMISSION_DENIED)" 5000
get iam-bad-annotation "$pod" "$REG/proj/team/app:v1" "$sa_puller" "../x?y"
expect_fail iam-bad-annotation "is not a Google service account email" 2000
strict=$(config strict "$pod_block
      requireServiceAccountToken: true")
get no-token "$strict" "$REG/proj/direct/app:v1"
expect_fail no-token "carries no serviceAccountToken" 2000
wait "$slow_pid"
read -r rc took <"$PG_DIR/md-slow.rc"
expect_fail md-slow "gcp: metadata server $MD" 12000
curl -s -X POST -d '{"delay_ms": {"metadata": 0}}' "$STS/config" >/dev/null

pg_log "no secret in any output"
for f in "$PG_DIR"/err/* "$PG_DIR"/out/doctor; do
  for s in "${SECRETS[@]}"; do
    if grep -qF -- "$s" "$f"; then pg_fail "a secret appears in $f"; fi
  done
done
pg_log "ok ($((SECONDS - started)) s)"
