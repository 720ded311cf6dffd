#!/usr/bin/env bash
# The static front and its network helper (plugin/front/network_handoff.h, docs/install.md "Two
# files"): an exec that needs the network is re-run in pullguard-net beside the front, with the
# same arguments and the same stdin; a missing or untrustworthy helper is one clear line, exit 1,
# nothing on stdout, and an answer from files never needs the helper. The handoff's success with
# real servers is what every network e2e test exercises (they run the front). Builds without the
# front (a single dynamically linked pullguard) have nothing to test here.
# Args: pullguard binary, source dir, scratch dir.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$2/tests/e2e/lib.sh"
pg_e2e "$@"
S=$PG_DIR
helper=$(dirname "$bin")/pullguard-net
if [ ! -e "$helper" ]; then
  pg_log "no pullguard-net beside $bin: a build without the static front, nothing to test"
  exit 0
fi

(umask 077 && pg_secret >"$S/alice.pw")
port=$(pg_free_port)  # nothing listens: the helper's request fails, after the handoff
pg_config static "  - match: [\"registry.example:5000\"]
    static: {username: alice, passwordFile: $S/alice.pw}" >/dev/null
pg_config net "  - match: [\"127.0.0.1:$port\"]
    refreshToken: {username: alice, passwordFile: $S/alice.pw}" >/dev/null
printf '{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"%s"}\n' \
  registry.example:5000/team/app >"$S/req-static.json"
printf '{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"%s"}\n' \
  "127.0.0.1:$port/team/app" >"$S/req-net.json"

# get NAME DIR CONFIG REQUEST [ENV...]: the front at DIR/pullguard answers; sets rc.
get() {
  local name=$1 dir=$2 config=$3 req=$4
  shift 4
  set +e
  env "$@" "$dir/pullguard" get-credentials --config="$S/$config.yaml" <"$S/$req" \
    >"$PG_DIR/out/$name.json" 2>"$PG_DIR/err/$name"
  rc=$?
  set -e
}
front_in() {  # DIR: a directory holding a copy of the front alone
  mkdir -p "$1"
  cp "$bin" "$1/pullguard"
}

pg_log "through the helper: the same request reaches it (its error names the request's image host)"
get handoff "$(dirname "$bin")" net req-net.json PULLGUARD_LOG_LEVEL=debug
[ "$rc" -eq 1 ] || pg_fail "handoff: exit $rc: $(cat "$PG_DIR/err/handoff")"
[ ! -s "$PG_DIR/out/handoff.json" ] || pg_fail "handoff: wrote to stdout on failure"
grep -q '"event":"network.handoff"' "$PG_DIR/err/handoff" || pg_fail "handoff: no network.handoff event"
grep -q "request to http://127.0.0.1:$port/v2/ failed" "$PG_DIR/err/handoff" ||
  pg_fail "handoff: the helper did not make the request: $(cat "$PG_DIR/err/handoff")"
[ "$(grep -c '"event":"request.done"' "$PG_DIR/err/handoff")" -eq 1 ] ||
  pg_fail "handoff: want one request.done (the helper's)"

pg_log "a front without its helper answers from files, and refuses the network in one line"
front_in "$S/alone"
get alone-static "$S/alone" static req-static.json
pg_expect_ok alone-static
grep -q '"username":"alice"' "$PG_DIR/out/alone-static.json" || pg_fail "alone-static: wrong answer"
get alone-net "$S/alone" net req-net.json
pg_expect_fail alone-net 'cannot open the network helper ".*/alone/pullguard-net": No such file'

pg_log "an untrustworthy helper is not run"
# (A copy of the real helper: had the front run it, the line would be the helper's network error.)
front_in "$S/writable"
cp "$helper" "$S/writable/pullguard-net"
chmod 775 "$S/writable/pullguard-net"
get writable "$S/writable" net req-net.json
pg_expect_fail writable 'is not a regular file owned by root or this user and writable only by its owner'
front_in "$S/symlink"
ln -s "$helper" "$S/symlink/pullguard-net"
get symlink "$S/symlink" net req-net.json
pg_expect_fail symlink 'cannot open the network helper .*: Too many levels of symbolic links'
front_in "$S/directory"
mkdir "$S/directory/pullguard-net"
get directory "$S/directory" net req-net.json
pg_expect_fail directory 'is not a regular file'
pg_log "network handoff e2e: all passed"
