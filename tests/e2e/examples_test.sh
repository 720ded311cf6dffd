#!/usr/bin/env bash
# Every file in config-examples/ is checked by pullguard itself: pullguard configs with
# `validate config` (the files they name are created, 0600, under a scratch root), kubelet configs
# (file and directory form) with `validate kubelet-config`, the requests with get-credentials, and
# the DaemonSet's ConfigMap payloads like the files they become on a node. A new example that no
# rule below covers fails the test. Args: pullguard binary, source dir, scratch.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$2/tests/e2e/lib.sh"
pg_e2e "$@"
ex=$src/config-examples
root=$PG_DIR/root

# A copy of a pullguard config whose /etc/pullguard/ and /var/lib/ paths point into $root, with
# every secret file it names created (one-line password, or an empty docker config.json).
localise() {
  local in=$1 out=$2 f
  sed -e "s#/etc/pullguard/#$root/etc/pullguard/#g" -e "s#/var/lib/#$root/var/lib/#g" "$in" >"$out"
  mkdir -p "$root/etc/pullguard" "$root/var/lib/node_exporter/textfile_collector"
  for f in $(grep -o "$root/etc/pullguard/[A-Za-z0-9._-]*" "$out" | sort -u); do
    case $f in
      *.json) echo '{"auths":{}}' >"$f" ;;
      *) echo "example-password" >"$f" ;;
    esac
    chmod 600 "$f"
  done
}

validate_config() {  # FILE (pullguard config as written in the example)
  local name out
  name=$(basename "$1" .yaml)
  localise "$1" "$PG_DIR/$name.yaml"
  out=$("$bin" validate config "$PG_DIR/$name.yaml" 2>&1) || pg_fail "$1 does not validate: $out"
  case $out in *": valid ("*) ;; *) pg_fail "$1: unexpected output: $out" ;; esac
}

checked=()
pg_log "pullguard configs"
for f in "$ex"/*.yaml "$ex"/*.json; do
  [ -e "$f" ] || continue
  if grep -q '^kind: PullguardConfig' "$f"; then
    validate_config "$f"
    checked+=("$f")
  fi
done
[ ${#checked[@]} -ge 7 ] || pg_fail "expected at least 7 pullguard configs, found ${#checked[@]}"

pg_log "kubelet configs (file and directory form)"
out=$("$bin" validate kubelet-config "$ex/kubelet-credential-provider-config.yaml" 2>&1) ||
  pg_fail "kubelet config file: $out"
checked+=("$ex/kubelet-credential-provider-config.yaml")
out=$("$bin" validate kubelet-config "$ex/kubelet-credential-provider-config.d" 2>&1) ||
  pg_fail "kubelet config directory: $out"
case $out in *"2 providers (pullguard, pullguard-workload) from 2 files"*) ;;
  *) pg_fail "directory form: $out" ;; esac
for f in "$ex"/kubelet-credential-provider-config.d/*; do checked+=("$f"); done
out=$("$bin" validate kubelet-config "$ex/kubelet-credential-provider-config-ecr.yaml" 2>&1) ||
  pg_fail "ecr kubelet config: $out"
case $out in *"pullguard-ecr"*) ;; *) pg_fail "ecr kubelet config: $out" ;; esac
checked+=("$ex/kubelet-credential-provider-config-ecr.yaml")

pg_log "gcp: kubelet configs for node and per-pod identity"
for k in gcp-node gcp-workload-identity; do
  f=$ex/kubelet-credential-provider-config-$k.yaml
  out=$("$bin" validate kubelet-config "$f" 2>&1) || pg_fail "$f: $out"
  checked+=("$f")
done
# Google STS takes the pod's token only when its audience is the workload identity provider.
provider=$(sed -n 's/^ *workloadIdentityProvider: *//p' "$ex/config-gcp-workload-identity.yaml")
audience=$(sed -n 's/^ *serviceAccountTokenAudience: *//p' \
  "$ex/kubelet-credential-provider-config-gcp-workload-identity.yaml")
[ -n "$provider" ] && [ "$provider" = "$audience" ] ||
  pg_fail "gcp: tokenAttributes audience '$audience' is not the workloadIdentityProvider '$provider'"
grep -q 'optionalServiceAccountAnnotationKeys: \["iam.gke.io/gcp-service-account"\]' \
  "$ex/kubelet-credential-provider-config-gcp-workload-identity.yaml" ||
  pg_fail "gcp: kubelet does not pass the iam.gke.io/gcp-service-account annotation"

pg_log "kubelet configs for one source (kubelet-credential-provider-config-<source>*.yaml)"
for f in "$ex"/kubelet-credential-provider-config-*.yaml; do
  [ -e "$f" ] || continue
  out=$("$bin" validate kubelet-config "$f" 2>&1) || pg_fail "$f: $out"
  # Each names, with --config=, a pullguard config that is among the examples.
  for c in $(grep -o -- '--config=/etc/pullguard/[A-Za-z0-9._-]*' "$f" | sed 's#.*/##'); do
    [ -f "$ex/$c" ] || pg_fail "$f runs pullguard with $c, which config-examples/ lacks"
  done
  checked+=("$f")
done
# acr: Entra ID's federated credentials take the pod's token for api://AzureADTokenExchange, and
# the per-pod config needs the client-id annotation passed.
for f in "$ex"/kubelet-credential-provider-config-acr*.yaml; do
  grep -q 'serviceAccountTokenAudience: api://AzureADTokenExchange' "$f" ||
    pg_fail "acr: $f does not ask for the api://AzureADTokenExchange audience"
  grep -q 'azure.workload.identity/client-id' "$f" ||
    pg_fail "acr: $f does not pass the azure.workload.identity/client-id annotation"
done

# mirrors: kubelet asks for the upstream name, so matchImages must name every mirrored upstream.
python3 - "$ex/config-mirrors.yaml" "$ex/kubelet-credential-provider-config-mirrors.yaml" <<'PY' ||
import sys, yaml
cfg, kub = (yaml.safe_load(open(p)) for p in sys.argv[1:3])
upstreams = {u for e in cfg["registries"] for u in (e.get("mirrors") or {})}
match = set(kub["providers"][0]["matchImages"])
assert upstreams and upstreams <= match, (upstreams, match)
PY
  pg_fail "mirrors: kubelet's matchImages leave out a mirrored upstream"

pg_log "requests"
localise "$ex/config.yaml" "$PG_DIR/config-for-requests.yaml"
for f in "$ex"/requests/*.json; do
  "$bin" get-credentials --config="$PG_DIR/config-for-requests.yaml" <"$f" >"$PG_DIR/resp.json" \
    2>"$PG_DIR/resp.err" || pg_fail "$f: $(cat "$PG_DIR/resp.err")"
  grep -q '"kind":"CredentialProviderResponse"' "$PG_DIR/resp.json" || pg_fail "$f: no response"
  checked+=("$f")
done

pg_log "DaemonSet + ConfigMap"
ds=$ex/daemonset/pullguard-daemonset.yaml
python3 - "$ds" "$PG_DIR/ds" <<'PY' || pg_fail "DaemonSet example is inconsistent"
import os, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
kinds = {d["kind"]: d for d in docs}
assert set(kinds) == {"ConfigMap", "DaemonSet"}, kinds.keys()
cm, ds = kinds["ConfigMap"], kinds["DaemonSet"]
out = sys.argv[2]
os.makedirs(out, exist_ok=True)
for key, text in cm["data"].items():
    open(os.path.join(out, key), "w").write(text)
spec = ds["spec"]["template"]["spec"]
vols = {v["name"]: v for v in spec["volumes"]}
assert vols["config"]["configMap"]["name"] == cm["metadata"]["name"]
assert ds["spec"]["selector"]["matchLabels"] == ds["spec"]["template"]["metadata"]["labels"]
script = spec["initContainers"][0]["args"][0]
# The init container writes each ConfigMap key where the kubelet config expects it.
assert "/config/config.yaml /host/etc/pullguard/config.yaml" in script
assert "/config/credential-providers.yaml /host/etc/kubernetes/credential-providers.yaml" in script
kube = yaml.safe_load(cm["data"]["credential-providers.yaml"])
p = kube["providers"][0]
assert "--config=/etc/pullguard/config.yaml" in p["args"], p["args"]
assert '"$bin/' + p["name"] + '"' in script, "binary not installed under the provider's name"
# The static front's helper beside it, installed first (docs/install.md, "Two files").
helper = script.find('"$bin/' + p["name"] + '-net"')
assert 0 <= helper < script.find('"$bin/' + p["name"] + '"'), "pullguard-net not installed before the front"
assert vols["host-bin"]["hostPath"]["path"] == \
    "/usr/libexec/kubernetes/kubelet-plugins/credential-provider/exec"
PY
validate_config "$PG_DIR/ds/config.yaml"
out=$("$bin" validate kubelet-config "$PG_DIR/ds/credential-providers.yaml" 2>&1) ||
  pg_fail "DaemonSet's kubelet config: $out"
checked+=("$ds")

pg_log "every example is covered"
while IFS= read -r f; do
  found=0
  for c in "${checked[@]}"; do [ "$c" = "$f" ] && found=1; done
  [ "$found" -eq 1 ] || pg_fail "example $f is not validated by this test"
done < <(find "$ex" -type f | sort)
pg_log "ok (${#checked[@]} files)"
