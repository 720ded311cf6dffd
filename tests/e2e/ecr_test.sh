#!/usr/bin/env bash
# The ecr source end to end: tests/servers/aws_server.py plays IMDSv2, STS and the ECR API (every
# SigV4 signature recomputed independently with botocore), Debian's docker-registry (htpasswd user
# AWS, the password the fake ECR issues) plays the ECR registry host, and containerd's ctr pulls
# <account>.dkr.ecr.<region>.amazonaws.com/... with pullguard's answer, the host mapped to the
# local registry through containerd's hosts.toml (config_path / --hosts-dir).
# Args: pullguard binary, source dir, scratch dir.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$2/tests/e2e/lib.sh"
pg_e2e "$@"

python3 -c 'import botocore.auth' 2>/dev/null || pg_fail "python3-botocore is missing (scripts/bootstrap.sh)"

ACCOUNT=123456789012
HOST=$ACCOUNT.dkr.ecr.us-west-2.amazonaws.com
ROLE_PULL=arn:aws:iam::$ACCOUNT:role/pull
ROLE_POD=arn:aws:iam::$ACCOUNT:role/pod-a
reg_pw=$(pg_secret)
SECRETS=("$reg_pw")

pg_log "docker-registry as the ECR registry (htpasswd user AWS)"
pg_start_registry AWS "$reg_pw"
pg_build_oci_image "$PG_DIR/oci" v1 >/dev/null
pg_push_image "$PG_DIR/oci" v1 team/app:v1 AWS "$reg_pw"

# Service-account tokens as kubelet sends them (JWT-shaped, audience sts.amazonaws.com).
sa_jwt() {
  python3 - "$1" <<'PY'
import base64, json, secrets, sys, time
b = lambda o: base64.urlsafe_b64encode(json.dumps(o).encode()).rstrip(b"=").decode()
print(b({"alg": "RS256", "kid": "k"}) + "." + b({
    "aud": ["sts.amazonaws.com"], "exp": int(time.time()) + 3600,
    "iss": "https://kubernetes.default.svc",
    "kubernetes.io": {"namespace": "team", "serviceaccount": {"name": sys.argv[1], "uid": "u-" + sys.argv[1]}},
    "jti": secrets.token_hex(8)}) + "." + secrets.token_urlsafe(32))
PY
}
sa_pod=$(sa_jwt puller)
sa_other=$(sa_jwt stranger)
SECRETS+=("$sa_pod" "$sa_other")

pg_log "fake IMDSv2 / STS / ECR API"
python3 - "$reg_pw" "$sa_pod" "$ROLE_POD" "$ROLE_PULL" "$HOST" >"$PG_DIR/aws.json" <<'PY'
import json, sys
print(json.dumps({"region": "us-west-2", "registry_password": sys.argv[1], "registry_host": sys.argv[5],
                  "instance_role": "node-role", "web_identities": {sys.argv[2]: [sys.argv[3]]},
                  "assumable_roles": [sys.argv[4]]}))
PY
chmod 600 "$PG_DIR/aws.json"
python3 "$src/tests/servers/aws_server.py" --config "$PG_DIR/aws.json" \
  --port-file "$PG_DIR/aws.port" >"$PG_DIR/aws.log" 2>&1 &
PG_PIDS+=("$!")
AWS=http://127.0.0.1:$(pg_wait_port_file "$PG_DIR/aws.port" "$!") || pg_fail "aws server did not start"
# The provider's environment, as kubelet passes it from its CredentialProviderConfig.
export AWS_EC2_METADATA_SERVICE_ENDPOINT=$AWS AWS_ENDPOINT_URL_STS=$AWS AWS_ENDPOINT_URL_ECR=$AWS
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE \
  AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_PROFILE AWS_REGION

count() { curl -s "$AWS/count" | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
aws_reset() { curl -s -X POST "$AWS/reset" >/dev/null; }
aws_knobs() { curl -s -X POST -d "$1" "$AWS/config" >/dev/null; }

# request IMAGE [SA_TOKEN [ROLE]] -> a v1 CredentialProviderRequest.
request() {
  python3 -c 'import json,sys
r={"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":sys.argv[1]}
if len(sys.argv)>2 and sys.argv[2]: r["serviceAccountToken"]=sys.argv[2]
if len(sys.argv)>3 and sys.argv[3]: r["serviceAccountAnnotations"]={"eks.amazonaws.com/ecr-role-arn":sys.argv[3]}
print(json.dumps(r))' "$@"
}
get() {
  local name=$1 config=$2
  shift 2
  rc=0
  request "$@" | "$bin" get-credentials --config="$config" >"$PG_DIR/out/$name.json" \
    2>"$PG_DIR/err/$name" || rc=$?
}

CTR_OK=0
if pg_start_containerd; then CTR_OK=1; else pg_log "containerd cannot run here (not root?)"; fi
# containerd resolves the ECR host name to the local registry through hosts.toml.
pg_hosts_toml "$PG_DIR/certs.d" "$HOST" "$PG_REGISTRY"
pull_with() {
  local name=$1 user=$2 pass=$3 ref=$4
  [ "$CTR_OK" -eq 1 ] || return 0
  ctr --address "$PG_CONTAINERD_SOCK" images rm "$ref" >/dev/null 2>&1 || true
  ctr --address "$PG_CONTAINERD_SOCK" images pull --hosts-dir "$PG_DIR/certs.d" --user "$user:$pass" \
    "$ref" >"$PG_DIR/out/ctr-$name.log" 2>"$PG_DIR/err/ctr-$name" ||
    pg_fail "containerd could not pull $ref with pullguard's $name answer: $(grep -vF -- "$pass" "$PG_DIR/err/ctr-$name")"
  ctr --address "$PG_CONTAINERD_SOCK" images ls -q | grep -qx "$ref" || pg_fail "ctr lists no $ref"
}

# ---------------------------------------------------------------------------------------------
pg_log "node identity (IMDSv2) -> signed GetAuthorizationToken -> containerd pull"
node_cfg=$(pg_config node "  - match: [\"*.dkr.ecr.*.amazonaws.com\"]
    cacheKeyType: Registry
    ecr: {}")
get node "$node_cfg" "$HOST/team/app:v1"
pg_expect_ok node
[ "$(pg_field node "$HOST" username)" = AWS ] || pg_fail "username $(pg_field node "$HOST" username)"
[ "$(pg_field node "$HOST" password)" = "$reg_pw" ] || pg_fail "the password is not the registry's"
# 12 h token, 5 min margin: 11h55m (give or take the second the exec took).
dur=$(pg_field node -)
python3 -c 'import re,sys; d=sys.argv[1]; m=re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?",d); s=int(m[1] or 0)*3600+int(m[2] or 0)*60+int(m[3] or 0); assert 42880<=s<=42900, d' "$dur" ||
  pg_fail "cacheDuration $dur, want about 11h55m"
[ "$(count imds_put)" = 1 ] && [ "$(count imds_get)" = 2 ] || pg_fail "IMDS: $(curl -s "$AWS/count")"
[ "$(count imds_v1)" = 0 ] || pg_fail "pullguard spoke IMDSv1"
[ "$(count ecr)" = 1 ] && [ "$(count sts)" = 0 ] || pg_fail "calls: $(curl -s "$AWS/count")"
pg_log "requests per cold exec: $(($(count imds_put) + $(count imds_get) + $(count ecr) + $(count sts)))"
pull_with node AWS "$(pg_field node "$HOST" password)" "$HOST/team/app:v1"

get node-again "$node_cfg" "$HOST/team/app:v1"
pg_expect_ok node-again
[ "$(count ecr)" = 1 ] && [ "$(count imds_put)" = 1 ] || pg_fail "a cached answer called AWS: $(curl -s "$AWS/count")"
find "$PG_DIR/state-node/tokens" -type f -name '*.json' -perm 0600 | grep -q . || pg_fail "no 0600 token cache file"

pg_log "32 concurrent cold execs: one GetAuthorizationToken"
many_cfg=$(pg_config many "  - match: [\"*.dkr.ecr.*.amazonaws.com\"]
    ecr: {}")
aws_reset
aws_knobs '{"delay_ms": 300}'
request "$HOST/team/app" >"$PG_DIR/req-many.json"
pids=()
for i in $(seq 1 32); do
  "$bin" get-credentials --config="$many_cfg" <"$PG_DIR/req-many.json" >"$PG_DIR/out/many-$i.json" \
    2>"$PG_DIR/err/many-$i" &
  pids+=("$!")
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
aws_knobs '{"delay_ms": 0}'
[ "$failed" -eq 0 ] || pg_fail "$failed of 32 execs failed: $(cat "$PG_DIR"/err/many-* | sort | uniq -c)"
[ "$(count ecr)" = 1 ] || pg_fail "32 execs made $(count ecr) GetAuthorizationToken calls, want 1"

# ---------------------------------------------------------------------------------------------
pg_log "roleArn: AssumeRole signed by the node identity"
role_cfg=$(pg_config role "  - match: [\"*.dkr.ecr.*.amazonaws.com\"]
    ecr: {roleArn: \"$ROLE_PULL\"}")
aws_reset
get role "$role_cfg" "$HOST/team/app"
pg_expect_ok role
[ "$(count sts)" = 1 ] && [ "$(count ecr)" = 1 ] || pg_fail "role calls: $(curl -s "$AWS/count")"
curl -s "$AWS/count" | grep -q "\"$ROLE_PULL/" || pg_fail "ECR was not signed by the assumed role: $(curl -s "$AWS/count")"

pg_log "doctor: the identity chain's answering link, one signed call"
aws_reset
"$bin" doctor --config="$role_cfg" --image="$HOST/team/app" >"$PG_DIR/out/doctor.out" 2>&1 || true
grep -q "ecr identity.*IMDSv2 answered" "$PG_DIR/out/doctor.out" || {
  cat "$PG_DIR/out/doctor.out" >&2
  pg_fail "doctor names no identity link"
}
grep -q "ecr call.*GetAuthorizationToken at $AWS (us-west-2) issued a token for $HOST" "$PG_DIR/out/doctor.out" ||
  pg_fail "doctor made no signed call: $(cat "$PG_DIR/out/doctor.out")"
[ "$(count ecr)" = 1 ] || pg_fail "doctor made $(count ecr) ECR calls, want 1"
! grep -qF -- "$reg_pw" "$PG_DIR/out/doctor.out" || pg_fail "doctor printed the registry password"

pg_log "per-pod role (KEP-4412): service-account token + annotation -> AssumeRoleWithWebIdentity"
pod_cfg=$(pg_config pod "  - match: [\"*.dkr.ecr.*.amazonaws.com\"]
    ecr: {}")
aws_reset
get pod "$pod_cfg" "$HOST/team/app:v1" "$sa_pod" "$ROLE_POD"
pg_expect_ok pod
[ "$(count sts)" = 1 ] && [ "$(count imds_put)" = 0 ] || pg_fail "pod role calls: $(curl -s "$AWS/count")"
curl -s "$AWS/count" | grep -q "\"$ROLE_POD/" || pg_fail "ECR was not signed by the pod's role"
pull_with pod AWS "$(pg_field pod "$HOST" password)" "$HOST/team/app:v1"
get pod-denied "$pod_cfg" "$HOST/team/app" "$sa_other" "$ROLE_POD"
pg_expect_fail pod-denied "AssumeRoleWithWebIdentity"
grep -q AccessDenied "$PG_DIR/err/pod-denied" || pg_fail "denied pod: $(cat "$PG_DIR/err/pod-denied")"
get pod-no-annotation "$pod_cfg" "$HOST/team/app" "$sa_other"
pg_expect_ok pod-no-annotation  # node identity (cloud-provider-aws #1281)

# ---------------------------------------------------------------------------------------------
pg_log "faults: throttling retried, STS AccessDenied, clock skew, non-ECR host, IMDS down"
aws_reset
aws_knobs '{"throttle": 2}'
cfg=$(pg_config throttle "  - match: [\"*.dkr.ecr.*.amazonaws.com\"]
    ecr: {}")
get throttle "$cfg" "$HOST/team/app"
pg_expect_ok throttle
[ "$(count ecr)" = 3 ] || pg_fail "throttled twice: want 3 ECR calls, got $(count ecr)"
aws_knobs '{"throttle": 100}'
cfg=$(pg_config throttle-out "  - match: [\"*.dkr.ecr.*.amazonaws.com\"]
    ecr: {}")
get throttle-out "$cfg" "$HOST/team/app"
pg_expect_fail throttle-out "ThrottlingException"
aws_knobs '{"throttle": 0, "deny_sts": true}'
cfg=$(pg_config denied "  - match: [\"*.dkr.ecr.*.amazonaws.com\"]
    ecr: {roleArn: \"arn:aws:iam::$ACCOUNT:role/other\"}")
get denied "$cfg" "$HOST/team/app"
pg_expect_fail denied "AccessDenied"
aws_knobs '{"deny_sts": false}'
# Clock skew: AWS's clock 15 minutes behind the node's.
aws_knobs '{"skew_s": -900}'
cfg=$(pg_config skew "  - match: [\"*.dkr.ecr.*.amazonaws.com\"]
    ecr: {}")
get skew "$cfg" "$HOST/team/app"
pg_expect_fail skew "clock"
grep -q "900 s ahead" "$PG_DIR/err/skew" || pg_fail "skew not measured: $(cat "$PG_DIR/err/skew")"
aws_knobs '{"skew_s": 0}'
cfg=$(pg_config other-host "  - match: [\"registry.example\"]
    ecr: {}")
get other-host "$cfg" "registry.example/team/app"
pg_expect_fail other-host "is not an Amazon ECR registry host"
cfg=$(pg_config imds-down "  - match: [\"*.dkr.ecr.*.amazonaws.com\"]
    ecr: {}")
rc=0
request "$HOST/team/app" | AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$(pg_free_port) \
  "$bin" get-credentials --config="$cfg" >"$PG_DIR/out/imds-down.json" 2>"$PG_DIR/err/imds-down" || rc=$?
pg_expect_fail imds-down "IMDS"

# ---------------------------------------------------------------------------------------------
pg_log "no secret in any stderr or log"
for s in "${SECRETS[@]}"; do
  if grep -rlF -- "$s" "$PG_DIR/err" "$PG_DIR/aws.log" 2>/dev/null; then
    pg_fail "a secret appears in the files above"
  fi
done
pg_log "ecr e2e: all passed"
