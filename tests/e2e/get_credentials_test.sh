#!/usr/bin/env bash
# End to end with real parts: Debian's docker-registry behind htpasswd, an image pushed by skopeo,
# `pullguard get-credentials` run as kubelet runs it, and the returned credentials proven by
# skopeo (and containerd's ctr when it can run here). Args: pullguard binary, source dir, scratch.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$2/tests/e2e/lib.sh"
pg_e2e "$@"

user=pgdemo
pass=$(pg_secret)
pg_log "registry"
pg_start_registry "$user" "$pass"
digest=$(pg_build_oci_image "$PG_DIR/oci" 1)
pg_push_image "$PG_DIR/oci" 1 demo/hello:1 "$user" "$pass"
image=$PG_REGISTRY/demo/hello

pg_log "pullguard config"
(umask 077 && printf '%s\n' "$pass" >"$PG_DIR/registry.pw")
cat >"$PG_DIR/pullguard.yaml" <<YAML
apiVersion: pullguard.io/v1alpha1
kind: PullguardConfig
stateDir: $PG_DIR/state
registries:
  - match: ["$PG_REGISTRY"]
    cacheDuration: 10m
    static: {username: $user, passwordFile: $PG_DIR/registry.pw}
YAML
"$bin" validate config "$PG_DIR/pullguard.yaml" >"$PG_DIR/out/validate.out" 2>"$PG_DIR/out/validate.err" ||
  pg_fail "validate config refused the e2e config: $(cat "$PG_DIR/out/validate.err")"
grep -q ": valid (1 registry, 1 pattern" "$PG_DIR/out/validate.out" || pg_fail "validate summary"

# Kubelet's way: args from the CredentialProviderConfig, one request on stdin, stdout decoded.
for v in v1 v1beta1 v1alpha1; do
  pg_log "get-credentials ($v)"
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r["image"]=sys.argv[2]; print(json.dumps(r))' \
    "$src/config-examples/requests/$v.json" "$image" >"$PG_DIR/request-$v.json"
  rc=0
  "$bin" get-credentials --config="$PG_DIR/pullguard.yaml" <"$PG_DIR/request-$v.json" \
    >"$PG_DIR/response-$v.json" 2>"$PG_DIR/out/get-$v.err" || rc=$?
  [ "$rc" -eq 0 ] || pg_fail "get-credentials $v exited $rc: $(cat "$PG_DIR/out/get-$v.err")"
  [ ! -s "$PG_DIR/out/get-$v.err" ] || pg_fail "get-credentials $v wrote to stderr"
  python3 - "$PG_DIR/response-$v.json" "$v" "$PG_REGISTRY" "$user" <<'PY' || pg_fail "response $v"
import json, sys
path, v, registry, user = sys.argv[1:]
text = open(path).read()
assert text.endswith("\n") and text.count("\n") == 1, "one line"
r = json.loads(text)
assert set(r) == {"kind", "apiVersion", "cacheKeyType", "cacheDuration", "auth"}, r.keys()
assert r["kind"] == "CredentialProviderResponse"
assert r["apiVersion"] == "credentialprovider.kubelet.k8s.io/" + v
assert r["cacheKeyType"] == "Registry"
assert r["cacheDuration"] == "10m"
assert list(r["auth"]) == [registry], r["auth"].keys()
assert r["auth"][registry]["username"] == user
assert set(r["auth"][registry]) == {"username", "password"}
PY
done

# The credentials kubelet would hand to the runtime, read without echoing them.
{ read -r cred_user && read -r cred_pass; } < <(python3 -c '
import json,sys; a=json.load(open(sys.argv[1]))["auth"][sys.argv[2]]; print(a["username"]); print(a["password"])' \
  "$PG_DIR/response-v1.json" "$PG_REGISTRY")
rm -f "$PG_DIR"/response-*.json
[ "$cred_pass" = "$pass" ] || pg_fail "the returned password is not the registry's"

pg_log "skopeo inspect with the returned credentials"
skopeo inspect --tls-verify=false --creds "$cred_user:$cred_pass" "docker://$image:1" \
  >"$PG_DIR/out/inspect.json" 2>"$PG_DIR/out/inspect.err" || pg_fail "authenticated inspect failed"
got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Digest"])' "$PG_DIR/out/inspect.json")
[ "$got" = "$digest" ] || pg_fail "inspect digest $got, pushed $digest"

pg_log "anonymous and wrong-password inspects are refused"
if skopeo inspect --tls-verify=false --no-creds "docker://$image:1" >/dev/null 2>"$PG_DIR/out/anon.err"; then
  pg_fail "anonymous inspect succeeded"
fi
grep -qiE "unauthorized|authentication required" "$PG_DIR/out/anon.err" || pg_fail "anonymous refusal: $(cat "$PG_DIR/out/anon.err")"
if skopeo inspect --tls-verify=false --creds "$cred_user:wrong-$RANDOM" "docker://$image:1" >/dev/null 2>"$PG_DIR/out/wrong.err"; then
  pg_fail "inspect with a wrong password succeeded"
fi

pg_log "config from PULLGUARD_CONFIG; an unmatched image gets an empty auth"
printf '{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"other.example/x"}' |
  PULLGUARD_CONFIG=$PG_DIR/pullguard.yaml "$bin" get-credentials >"$PG_DIR/out/none.json" 2>"$PG_DIR/out/none.err" ||
  pg_fail "unmatched image: $(cat "$PG_DIR/out/none.err")"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["auth"]=={} and r["cacheDuration"]=="0s", r' \
  "$PG_DIR/out/none.json" || pg_fail "unmatched response"

pg_log "a group-readable password file is refused, stdout stays empty"
chmod 640 "$PG_DIR/registry.pw"
rc=0
"$bin" get-credentials --config="$PG_DIR/pullguard.yaml" <"$PG_DIR/request-v1.json" \
  >"$PG_DIR/out/perm.out" 2>"$PG_DIR/out/perm.err" || rc=$?
chmod 600 "$PG_DIR/registry.pw"
[ "$rc" -eq 1 ] || pg_fail "open password file: exit $rc"
[ ! -s "$PG_DIR/out/perm.out" ] || pg_fail "open password file: stdout not empty"
[ "$(wc -l <"$PG_DIR/out/perm.err")" -eq 1 ] || pg_fail "open password file: not one stderr line"
grep -q "^pullguard get-credentials: registries\[0\].static.passwordFile: .* is readable by group or others (mode 0640)" \
  "$PG_DIR/out/perm.err" || pg_fail "open password file message: $(cat "$PG_DIR/out/perm.err")"

if pg_start_containerd; then
  pg_log "containerd: ctr pulls with the returned credentials, not without"
  ctr --address "$PG_CONTAINERD_SOCK" -n pullguard-e2e images pull --plain-http \
    --user "$cred_user:$cred_pass" "$image:1" >"$PG_DIR/out/ctr.out" 2>"$PG_DIR/out/ctr.err" ||
    pg_fail "ctr pull with credentials failed: $(tail -n 3 "$PG_DIR/out/ctr.err")"
  ctr --address "$PG_CONTAINERD_SOCK" -n pullguard-e2e images ls -q | grep -qxF "$image:1" ||
    pg_fail "ctr does not list the pulled image"
  ctr --address "$PG_CONTAINERD_SOCK" -n pullguard-e2e images rm "$image:1" >/dev/null 2>&1 || true
  if ctr --address "$PG_CONTAINERD_SOCK" -n pullguard-anon images pull --plain-http "$image:1" \
    >"$PG_DIR/out/ctr-anon.out" 2>"$PG_DIR/out/ctr-anon.err"; then
    pg_fail "anonymous ctr pull succeeded"
  fi
  grep -qiE "401|unauthorized|authoriz" "$PG_DIR/out/ctr-anon.err" || pg_fail "anonymous ctr refusal: $(tail -n 3 "$PG_DIR/out/ctr-anon.err")"
else
  pg_log "containerd cannot run here (needs root); the ctr step is skipped"
fi

pg_log "no password in any output"
if grep -rlF -- "$pass" "$PG_DIR/out" "$PG_DIR/registry/registry.log" "$PG_DIR/skopeo-push.log"; then
  pg_fail "the password appears in the files above"
fi
echo "PASS"
