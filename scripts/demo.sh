#!/usr/bin/env bash
# The main job on a fresh Debian machine: install, build, start a real registry with htpasswd auth,
# push a tiny image, ask pullguard for credentials exactly as kubelet would, and prove them.
# Everything runs on 127.0.0.1 under a temp dir; whatever is started is stopped on exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/bootstrap.sh"
build=${BUILD_DIR:-$root/build}
echo "== building pullguard into $build"
BUILD_DIR=$build "$root/scripts/build.sh"
bin=$build/plugin/pullguard

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
    static: {username: $user, passwordFile: $PG_DIR/demo.pw}
YAML
echo "== pullguard config ($PG_DIR/pullguard.yaml)"
sed 's/^/   /' "$PG_DIR/pullguard.yaml"
"$bin" validate config "$PG_DIR/pullguard.yaml" | sed 's/^/   /'

request=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r["image"]=sys.argv[2]; print(json.dumps(r))' \
  "$root/config-examples/requests/v1.json" "$PG_REGISTRY/demo/hello")
echo "== kubelet runs: pullguard get-credentials --config=$PG_DIR/pullguard.yaml"
echo "   stdin:  $request"
response=$(printf '%s' "$request" | "$bin" get-credentials --config="$PG_DIR/pullguard.yaml")
echo "   stdout: $(printf '%s\n' "$response" | pg_mask_json)"

{ read -r cred_user && read -r cred_pass; } < <(printf '%s' "$response" | python3 -c '
import json,sys; a=json.load(sys.stdin)["auth"][sys.argv[1]]; print(a["username"]); print(a["password"])' "$PG_REGISTRY")
unset response

echo "== skopeo inspect with those credentials"
skopeo inspect --tls-verify=false --creds "$cred_user:$cred_pass" "docker://$PG_REGISTRY/demo/hello:1" |
  python3 -c 'import json,sys; m=json.load(sys.stdin); print("   OK: digest", m["Digest"], "layers", len(m["Layers"]))'

echo "== skopeo inspect anonymously (must be refused)"
if out=$(skopeo inspect --tls-verify=false --no-creds "docker://$PG_REGISTRY/demo/hello:1" 2>&1); then
  echo "   UNEXPECTED: the anonymous pull succeeded" >&2
  exit 1
fi
echo "   refused: $(printf '%s\n' "$out" | grep -oiE 'unauthorized[^"]*|authentication required' | head -n 1)"
echo "== done: the registry is stopped and $PG_DIR removed"
