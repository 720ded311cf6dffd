#!/usr/bin/env bash
# The no-network exec paths load neither libcurl nor OpenSSL (issue 7): get-credentials with a
# static source and with a docker config.json, `records hash` and `decide` all hash credentials
# (the built-in SHA-256) and must answer without the dynamic loader ever initialising libcurl,
# libssl or libcrypto. Timing is measured by scripts/bench.sh, never asserted here.
# Args: pullguard binary, source dir, scratch dir.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$2/tests/e2e/lib.sh"
pg_e2e "$@"
S=$PG_DIR

pw=$(pg_secret)
(umask 077 && printf '%s\n' "$pw" >"$S/alice.pw")
python3 - "$pw" "$S" <<'PY'
import base64, json, os, sys
pw, d = sys.argv[1], sys.argv[2]
def write(name, text):
    fd = os.open(os.path.join(d, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, text.encode())
    os.close(fd)
auth = base64.b64encode(("alice:" + pw).encode()).decode()
write("docker-config.json", json.dumps({"auths": {"registry.example:5000": {"auth": auth}}}))
for name, source in (("static", "static: {username: alice, passwordFile: %s/alice.pw}" % d),
                     ("dockercfg", "dockerConfig: %s/docker-config.json" % d)):
    write(name + ".yaml", "apiVersion: pullguard.io/v1alpha1\nkind: PullguardConfig\n"
          "stateDir: %s/state\nregistries:\n  - match: [\"registry.example:5000\"]\n    %s\n"
          % (d, source))
write("req.json", json.dumps({"kind": "CredentialProviderRequest",
                              "apiVersion": "credentialprovider.kubelet.k8s.io/v1",
                              "image": "registry.example:5000/team/app"}))
secret = {"uid": "u1", "namespace": "team", "name": "pull",
          "auth": {"username": "alice", "password": pw}}
write("add.json", json.dumps({"image": "registry.example:5000/team/app:v1",
                              "imageRef": "sha256:" + "ab" * 32, "secret": secret}))
write("decide.json", json.dumps({"image": "registry.example:5000/team/app:v1",
                                 "imageRef": "sha256:" + "ab" * 32, "imagePresent": True,
                                 "podSecrets": [secret]}))
write("hash.json", json.dumps({"username": "alice", "password": pw}))
PY
mkdir -p "$S/records"
"$bin" records add --dir "$S/records" <"$S/add.json" >/dev/null || pg_fail "records add failed"

# With the static front (plugin/front/network_handoff.h) there is no loader to trace in
# pullguard itself: the front must answer without handing the exec to pullguard-net (a copy of the
# front beside a tripwire "helper", a copy of false(1), so a handover is a failed exec), and the
# helper, the dynamically linked program, must itself answer without loading libcurl/OpenSSL.
helper=$(dirname "$bin")/pullguard-net
traced=$bin
note=
if [ -e "$helper" ]; then
  note=", no handoff to pullguard-net"
  mkdir -p "$S/front"
  cp "$bin" "$S/front/pullguard"
  cp "$(type -P false)" "$S/front/pullguard-net"
  chmod 755 "$S/front/pullguard-net"
  traced=$helper
fi

# check NAME STDIN EXPECTED_STDOUT_PATTERN ARGS...: runs one exec under LD_DEBUG=libs.
check() {
  local name=$1 input=$2 want=$3
  shift 3
  if [ "$traced" != "$bin" ]; then
    "$S/front/pullguard" "$@" <"$input" >"$S/$name.front" 2>"$S/$name.front-err" ||
      pg_fail "$name: the front exited $? (handed over to pullguard-net?): $(cat "$S/$name.front-err")"
    grep -q -- "$want" "$S/$name.front" || pg_fail "$name: unexpected answer from the front"
  fi
  LD_DEBUG=libs "$traced" "$@" <"$input" >"$S/$name.out" 2>"$S/$name.ld" || pg_fail "$name: exit $?"
  grep -q -- "$want" "$S/$name.out" || pg_fail "$name: unexpected answer"
  grep -q "calling init: .*libc.so" "$S/$name.ld" || pg_fail "$name: LD_DEBUG gave no trace to check"
  if grep -E "(calling init|trying file=).*(libcurl|libssl|libcrypto)" "$S/$name.ld" >&2; then
    pg_fail "$name loaded libcurl/OpenSSL on a path without network"
  fi
  pg_log "$name: answered, no libcurl/OpenSSL loaded$note"
}
check static "$S/req.json" '"username":"alice"' get-credentials --config="$S/static.yaml"
check dockercfg "$S/req.json" '"username":"alice"' get-credentials --config="$S/dockercfg.yaml"
check decide "$S/decide.json" '"use-local"' decide --dir "$S/records"
check hash "$S/hash.json" '^[0-9a-f]\{64\}$' records hash
traces=("$S"/*.ld)
[ "$traced" = "$bin" ] || traces+=("$S"/*.front-err)
if grep -lF -- "$pw" "${traces[@]}"; then pg_fail "a password appears in the loader trace"; fi
pg_log "exec path e2e: all passed"
