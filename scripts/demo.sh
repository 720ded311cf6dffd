#!/usr/bin/env bash
# The whole mission on a fresh Debian machine: install, build, start a real registry with htpasswd
# auth and push a tiny image; ask pullguard for credentials exactly as kubelet would, with a
# preflight that proves they pull the image and records the proof; pull it with containerd using
# that answer; then ask `pullguard decide`, as kubelet's pull manager would, whether two pods may use
# the image now on the node: one holding that credential, one holding another.
# Everything runs on 127.0.0.1 under a temp dir; whatever is started is stopped on exit.
# PULLGUARD_BIN=path: use that binary, skip install and build (tests/e2e/demo_test.sh does).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${PULLGUARD_BIN:-}" ]; then
  bin=$PULLGUARD_BIN
else
  "$root/scripts/bootstrap.sh"
  build=${BUILD_DIR:-$root/build}
  echo "== building pullguard into $build"
  BUILD_DIR=$build "$root/scripts/build.sh"
  bin=$build/plugin/pullguard
fi

# shellcheck source=tests/e2e/lib.sh
. "$root/tests/e2e/lib.sh"
pg_init "$(mktemp -d /tmp/pullguard-demo.XXXXXX)"
cleanup_all() {
  pg_cleanup
  rm -rf "$PG_DIR"
}
trap cleanup_all EXIT
# skopeo must not find credentials of its own.
export HOME=$PG_DIR/home XDG_RUNTIME_DIR=$PG_DIR/run
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"

user=demo
pass=$(head -c 24 /dev/urandom | base64 | tr -d '/+=\n')
echo "== starting docker-registry (htpasswd auth, user '$user', a random password)"
pg_start_registry "$user" "$pass"
echo "   registry at http://$PG_REGISTRY, data in $PG_DIR/registry/data"

echo "== building a one-layer OCI image and pushing it as $PG_REGISTRY/demo/hello:1"
digest=$(pg_build_oci_image "$PG_DIR/oci" 1)
pg_push_image "$PG_DIR/oci" 1 demo/hello:1 "$user" "$pass"
echo "   pushed $digest"

(umask 077 && printf '%s\n' "$pass" >"$PG_DIR/demo.pw")
cat >"$PG_DIR/pullguard.yaml" <<YAML
apiVersion: pullguard.io/v1alpha1
kind: PullguardConfig
stateDir: $PG_DIR/state
registries:
  - match: ["$PG_REGISTRY"]
    cacheKeyType: Registry
    cacheDuration: 5m
    verify: true   # preflight: prove the credential pulls the image before kubelet gets it
    static: {username: $user, passwordFile: $PG_DIR/demo.pw}
YAML
echo "== pullguard config ($PG_DIR/pullguard.yaml)"
sed 's/^/   /' "$PG_DIR/pullguard.yaml"
"$bin" validate config "$PG_DIR/pullguard.yaml" | sed 's/^/   /'

image=$PG_REGISTRY/demo/hello:1
request=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r["image"]=sys.argv[2]; print(json.dumps(r))' \
  "$root/config-examples/requests/v1.json" "$image")
echo "== kubelet runs: pullguard get-credentials --config=$PG_DIR/pullguard.yaml"
echo "   stdin:  $request"
response=$(printf '%s' "$request" | "$bin" get-credentials --config="$PG_DIR/pullguard.yaml")
echo "   stdout: $(printf '%s\n' "$response" | pg_mask_json)"

{ read -r cred_user && read -r cred_pass; } < <(printf '%s' "$response" | python3 -c '
import json,sys; a=json.load(sys.stdin)["auth"][sys.argv[1]]; print(a["username"]); print(a["password"])' "$PG_REGISTRY")
unset response

echo "== the preflight's proof, recorded before the answer left pullguard"
"$bin" records ls --dir "$PG_DIR/state/image_manager" | sed 's/^/   record:   /'
for f in "$PG_DIR"/state/evidence/*; do
  python3 - "$f" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
for p in e["proofs"]:
    print("   evidence: %s pulled by credential %s... at %s (digest %s)" % (
        e["repository"], p["credentialHash"][:12], p["provenAt"], p.get("digest", "-")))
PY
done

echo "== skopeo inspect anonymously (must be refused)"
if out=$(skopeo inspect --tls-verify=false --no-creds "docker://$image" 2>&1); then
  echo "   UNEXPECTED: the anonymous pull succeeded" >&2
  exit 1
fi
echo "   refused: $(printf '%s\n' "$out" | grep -oiE 'unauthorized[^"]*|authentication required' | head -n 1)"

echo "== containerd pulls $image with pullguard's answer"
if pg_start_containerd; then
  ctr --address "$PG_CONTAINERD_SOCK" -n k8s.io images pull --plain-http \
    --user "$cred_user:$cred_pass" "$image" >"$PG_DIR/ctr.out" 2>&1 ||
    { tail -n 5 "$PG_DIR/ctr.out" >&2; echo "   containerd could not pull" >&2; exit 1; }
  ctr --address "$PG_CONTAINERD_SOCK" -n k8s.io images ls | awk -v i="$image" '$1 == i {print "   pulled: " $1 " " $3}'
else
  echo "   containerd cannot run here (it needs root); skopeo stands in for it"
  skopeo inspect --tls-verify=false --creds "$cred_user:$cred_pass" "docker://$image" >/dev/null
  echo "   pulled (manifest and config readable with the credential)"
fi
# kubelet's imageRef for a pulled image is the runtime's image ID: the config digest.
image_ref=$(skopeo inspect --tls-verify=false --raw --creds "$cred_user:$cred_pass" "docker://$image" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"])')

echo "== kubelet records the pull for pod web-1 (imagePullSecret team-a/regcred holds that credential)"
kubelet_dir=$PG_DIR/kubelet/image_manager
secret_json=$(python3 -c 'import json,sys; print(json.dumps({"uid": "uid-regcred", "namespace": "team-a",
  "name": "regcred", "auth": {"username": sys.argv[1], "password": sys.argv[2]}}))' "$cred_user" "$cred_pass")
printf '{"image":"%s","imageRef":"%s","secret":%s}' "$image" "$image_ref" "$secret_json" |
  "$bin" records add --dir "$kubelet_dir" | sed 's/^/   /'
unset cred_pass

decide() {  # POD SECRET_JSON: what kubelet's pull manager answers for a pod using the image
  local pod=$1 secret=$2 answer
  answer=$(printf '{"image":"%s","imageRef":"%s","imagePresent":true,"pullPolicy":"IfNotPresent","policy":"AlwaysVerify","podSecrets":[%s]}' \
    "$image" "$image_ref" "$secret" | "$bin" decide --dir "$kubelet_dir")
  printf '   %-8s %s\n' "$pod" "$(printf '%s' "$answer" | python3 -c 'import json,sys; a=json.load(sys.stdin); print(a["action"] + ": " + a["reason"])')"
}
echo "== pullguard decide over kubelet's records (policy AlwaysVerify): may each pod use the image already on the node?"
decide web-2 "$secret_json"
other_json=$(python3 -c 'import json,sys; print(json.dumps({"uid": "uid-other", "namespace": "team-b",
  "name": "other", "auth": {"username": "mallory", "password": sys.argv[1]}}))' "$(head -c 12 /dev/urandom | base64)")
decide intruder "$other_json"
echo "== done: the registry and containerd are stopped and $PG_DIR removed"
