#!/usr/bin/env bash
# Mirrors end to end, with real parts: an "upstream" docker-registry with token auth (the test token
# server issues its JWTs, as auth.docker.io does for Docker Hub), a second docker-registry as its
# pull-through cache (proxy.remoteurl + proxy.username/password) with an htpasswd of its own, and containerd (ctr --hosts-dir: hosts.toml, as the CRI's config_path) that
# pulls docker.io/library/hello:v1 through the mirror with the credential pullguard answers for the
# upstream name, tried in kubelet's order. (docker-registry's proxy sends proxy.username/password
# only to a Bearer realm of the remote, registry/proxy/proxyauth.go getAuthURLs: an htpasswd
# upstream cannot be proxied with credentials, hence the token upstream.) The hosts.toml `server` of docker.io is the local
# upstream, so nothing leaves the machine.
# Args: pullguard binary, source dir, scratch dir.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$2/tests/e2e/lib.sh"
pg_e2e "$@"

up_pw=$(pg_secret)
mirror_pw=$(pg_secret)
SECRETS=("$up_pw" "$mirror_pw")

pg_log "upstream registry (token auth) with library/hello:v1"
python3 - "$up_pw" >"$PG_DIR/users.json" <<'PY'
import json, sys
print(json.dumps({"users": {"upstream-user": {"password": sys.argv[1], "access": {"*": ["pull", "push"]}}}}))
PY
chmod 600 "$PG_DIR/users.json"
pg_start_token_registry "$src" "$PG_DIR/users.json"
UP=$PG_TOKEN_REGISTRY
pg_build_oci_image "$PG_DIR/oci" v1 >/dev/null
# Docker schema 2: docker-registry 2.8's proxy asks its remote for Docker manifests only, and the
# remote answers an OCI manifest to such a request with 404.
skopeo copy --quiet --format v2s2 --dest-tls-verify=false --dest-creds "upstream-user:$up_pw" \
  "oci:$PG_DIR/oci:v1" "docker://$UP/library/hello:v1" >"$PG_DIR/skopeo-push.log" 2>&1 || {
  grep -vF -- "$up_pw" "$PG_DIR/skopeo-push.log" >&2
  pg_fail "skopeo could not push to $UP"
}

pg_log "mirror: docker-registry as a pull-through cache of the upstream, htpasswd of its own"
pg_start_registry mirror-user "$mirror_pw" mirror "proxy:
  remoteurl: http://$UP
  username: upstream-user
  password: $up_pw"
MIRROR=$PG_REGISTRY
md=$PG_DIR/mirror

# hosts.toml as containerd's CRI reads it from config_path: docker.io through the mirror first,
# then its server (here the local upstream instead of registry-1.docker.io).
pg_hosts_toml "$PG_DIR/certs.d" docker.io "$UP" "$MIRROR"

PG_CTR_OK=0
if pg_start_containerd; then PG_CTR_OK=1; else pg_log "containerd cannot run here (not root?)"; fi

(umask 077 && printf '%s\n' "$mirror_pw" >"$PG_DIR/mirror.pw" && printf '%s\n' "$up_pw" >"$PG_DIR/up.pw")
# config NAME STRATEGY: the mirror's entry (with STRATEGY) and an entry with the upstream's
# credential for docker.io.
config() {
  pg_config "$1" "  - match: [\"$MIRROR\"]
    static: {username: mirror-user, passwordFile: $PG_DIR/mirror.pw}
    mirrors:
      docker.io: $MIRROR
    mirrorCredentialsStrategy: $2
  - match: [\"docker.io\"]
    static: {username: upstream-user, passwordFile: $PG_DIR/up.pw}"
}
# get NAME CONFIG IMAGE: one get-credentials run as kubelet makes it; rc in $rc.
get() {
  rc=0
  printf '{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"%s"}' "$3" |
    "$bin" get-credentials --config="$2" >"$PG_DIR/out/$1.json" 2>"$PG_DIR/err/$1" || rc=$?
}
# kubelet_order NAME IMAGE: "user<TAB>password" per line, in the order kubelet's keyring tries
# them (keys matching IMAGE by URLsMatch, reverse lexical order).
kubelet_order() {
  python3 - "$PG_DIR/out/$1.json" "$2" <<'PY'
import fnmatch, json, sys
auth = json.load(open(sys.argv[1]))["auth"]
image = sys.argv[2]
def split(s):
    host, _, path = s.partition("/")
    host, _, port = host.partition(":")
    return host.split("."), port, "/" + path if path else ""
def match(key, image):
    kl, kp, kpath = split(key)
    il, ip, ipath = split(image)
    return kp == ip and len(kl) == len(il) and ipath.startswith(kpath) and \
        all(fnmatch.fnmatchcase(i, k) for k, i in zip(kl, il))
for k in sorted(auth, reverse=True):
    if match(k, image):
        print(auth[k]["username"] + "\t" + auth[k]["password"])
PY
}
# pull_as_kubelet NAME IMAGE REF: ctr pulls REF through hosts.toml with each credential of the
# answer in kubelet's order until one works; prints the user that worked (empty: none did).
pull_as_kubelet() {
  local user pass
  [ "$PG_CTR_OK" -eq 1 ] || return 0
  while IFS=$'\t' read -r user pass; do
    ctr --address "$PG_CONTAINERD_SOCK" images rm "$3" >/dev/null 2>&1 || true
    if ctr --address "$PG_CONTAINERD_SOCK" images pull --hosts-dir "$PG_DIR/certs.d" \
      --user "$user:$pass" "$3" >"$PG_DIR/out/ctr-$1.log" 2>"$PG_DIR/err/ctr-$1"; then
      echo "$user"
      return 0
    fi
  done < <(kubelet_order "$1" "$2")
}
IMAGE=docker.io/library/hello

pg_log "MirrorCredentialsOnly: the mirror's credential alone, under the upstream image's key"
get only "$(config only MirrorCredentialsOnly)" "$IMAGE"
pg_expect_ok only
python3 - "$PG_DIR/out/only.json" "$IMAGE" <<'PY' || pg_fail "only: answer $(pg_mask_json <"$PG_DIR/out/only.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["cacheKeyType"] == "Image", r["cacheKeyType"]
assert list(r["auth"]) == [sys.argv[2]], list(r["auth"])
assert r["auth"][sys.argv[2]]["username"] == "mirror-user"
PY
[ "$(pg_field only "$IMAGE" password)" = "$mirror_pw" ] || pg_fail "only: not the mirror's password"
if [ "$PG_CTR_OK" -eq 1 ]; then
  pg_log "containerd pulls $IMAGE:v1 through the mirror with it"
  [ "$(pull_as_kubelet only "$IMAGE" "$IMAGE:v1")" = mirror-user ] ||
    pg_fail "containerd could not pull through the mirror: $(cat "$PG_DIR/err/ctr-only")"
  ctr --address "$PG_CONTAINERD_SOCK" images ls -q | grep -qx "$IMAGE:v1" || pg_fail "ctr lists no $IMAGE:v1"
  # The mirror's password is unknown to the upstream's token server, so the pull came through the
  # mirror, which now holds the blobs it fetched from the upstream with its proxy credential.
  find "$md/data" -path '*/blobs/sha256/*' -name data | grep -q . || pg_fail "the mirror cached nothing"

  pg_log "without pullguard's answer the pull fails (the mirror and the upstream both refuse)"
  ctr --address "$PG_CONTAINERD_SOCK" images rm "$IMAGE:v1" >/dev/null 2>&1 || true
  if ctr --address "$PG_CONTAINERD_SOCK" images pull --hosts-dir "$PG_DIR/certs.d" "$IMAGE:v1" \
    >"$PG_DIR/out/ctr-anon.log" 2>"$PG_DIR/err/ctr-anon"; then
    pg_fail "containerd pulled $IMAGE:v1 anonymously"
  fi
  grep -qiE 'unauthorized|401|authorization' "$PG_DIR/err/ctr-anon" ||
    pg_fail "anonymous pull failed for another reason: $(cat "$PG_DIR/err/ctr-anon")"
fi

# The two strategies that also hand out the upstream's credential: kubelet's order, and which
# credential containerd then pulls with. First: the mirror takes its own. Last: the mirror refuses
# the upstream's, containerd falls back to the server, which takes it.
for c in "MirrorCredentialsFirst mirror-user,upstream-user mirror-user" \
  "MirrorCredentialsLast upstream-user,mirror-user upstream-user"; do
  read -r strategy order puller <<<"$c"
  pg_log "$strategy: kubelet tries $order; containerd pulls with $puller"
  get "$strategy" "$(config "$strategy" "$strategy")" "$IMAGE"
  pg_expect_ok "$strategy"
  got=$(kubelet_order "$strategy" "$IMAGE" | cut -f1 | paste -sd,)
  [ "$got" = "$order" ] || pg_fail "$strategy: kubelet order $got"
  if [ "$PG_CTR_OK" -eq 1 ]; then
    got=$(pull_as_kubelet "$strategy" "$IMAGE" "$IMAGE:v1")
    [ "$got" = "$puller" ] || pg_fail "$strategy: pulled with '$got': $(cat "$PG_DIR/err/ctr-$strategy")"
  fi
done

pg_log "verify: true proves the mirror's credential at the mirror (which fetches from the upstream)"
(umask 077 && printf '%s\n' "wrong-$mirror_pw" >"$PG_DIR/wrong.pw")
verify_config() {  # NAME PASSWORD_FILE
  pg_config "$1" "  - match: [\"$MIRROR\"]
    verify: true
    static: {username: mirror-user, passwordFile: $2}
    mirrors: {docker.io: $MIRROR}"
}
get verify "$(verify_config verify "$PG_DIR/mirror.pw")" "$IMAGE:v1"
pg_expect_ok verify
[ "$(pg_field verify "$IMAGE" username)" = mirror-user ] || pg_fail "verify: wrong credential"
# The proof is recorded under the name kubelet records the pull under: the upstream one.
grep -qF "\"$IMAGE\"" "$PG_DIR"/state-verify/image_manager/pulled/* || pg_fail "verify: no record for $IMAGE"
! grep -qF "$MIRROR" "$PG_DIR"/state-verify/image_manager/pulled/* || pg_fail "verify: recorded under the mirror's name"
get verify-wrong "$(verify_config verify-wrong "$PG_DIR/wrong.pw")" "$IMAGE:v1"
pg_expect_fail verify-wrong "preflight: registry $MIRROR refused"

pg_log "the mirror named directly is answered by its entry as any registry"
get direct "$(config direct MirrorCredentialsOnly)" "$MIRROR/library/hello"
pg_expect_ok direct
[ "$(pg_field direct "$MIRROR" username)" = mirror-user ] || pg_fail "direct: wrong credential"

pg_log "a broken mirrors block is one line naming its path"
bad=$(pg_config bad "  - match: [\"$MIRROR\"]
    static: {username: mirror-user, passwordFile: $PG_DIR/mirror.pw}
    mirrors: {\"index.docker.io\": $MIRROR}")
get bad "$bad" "$IMAGE"
pg_expect_fail bad 'mirrors: "index.docker.io": kubelet names Docker Hub images docker.io/...; write docker.io'
rc=0
"$bin" validate config "$bad" >"$PG_DIR/out/validate-bad.json" 2>"$PG_DIR/err/validate-bad" || rc=$?
pg_expect_fail validate-bad "write docker.io"

for s in "${SECRETS[@]}"; do
  ! grep -rqF -- "$s" "$PG_DIR/err" || pg_fail "a secret reached stderr"
done
pg_log "mirrors: ok"
