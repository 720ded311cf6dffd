#!/usr/bin/env bash
# The performance suite (issue 7), one command: builds Release into build-bench, builds the two
# baselines (a static C program that only answers, a minimal Go plugin), measures every exec path
# and the throughput benchmarks in the same run, prints a table and writes docs/BENCHMARKS.md with
# PNG plots under docs/bench/. Every figure is reported as a ratio to the baselines of this run.
# Slow (about 10 min on 2 cores), so not part of scripts/test.sh; bench/ still builds there.
#
# Knobs: BENCH_RUNS (timed execs per command and run, 200), BENCH_REPEATS (independent runs, 3),
# BENCH_RECORDS (cache_bench records, 100000), BENCH_CONCURRENCY (64), BENCH_WRITER_ADDS (records
# add per writer in the writers storm, 200; 0 skips it),
# BENCH_SKIP_BUILD=1 (reuse build-bench as it is), BENCH_DOCS=0 (print only, leave docs/ alone),
# BENCH_BEFORE=/path/to/pullguard (an older build: its verify storm is measured in the same run,
# as the "before" of a change), BENCH_HOT_TEXT=1 (rewrite plugin/hot_text.txt from this run's
# profiles).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BENCH_BUILD_DIR:-$root/build-bench}
res=$build/results
runs=${BENCH_RUNS:-200}
repeats=${BENCH_REPEATS:-3}
records=${BENCH_RECORDS:-100000}
conc=${BENCH_CONCURRENCY:-64}
net_runs=$(((runs + 3) / 4))
say() { printf 'bench: %s\n' "$*" >&2; }

"$root/scripts/bootstrap.sh" --bench
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  say "building Release into $build"
  BUILD_DIR=$build BUILD_TYPE=Release "$root/scripts/build.sh" -DPULLGUARD_TESTS=OFF
fi
pg=$build/plugin/pullguard
eb=$build/bench/exec_bench
rm -rf "$res"
mkdir -p "$res" "$build/baselines"
cut -d' ' -f1-3 /proc/loadavg >"$res/loadavg-start.txt"  # how busy the machine was

say "baselines: static C floor, Go plugin ($(go version | cut -d' ' -f3))"
base=$build/baselines
gcc -O2 -static -Wall -Wextra -Werror -o "$base/c_floor" "$root/bench/baselines/c_floor.c"
# The same program linked dynamically (libc only): what the loader alone costs, for reference.
gcc -O2 -Wall -Wextra -Werror -o "$base/c_dynamic" "$root/bench/baselines/c_floor.c"
(cd "$root/bench/baselines/go_plugin" &&
  GOCACHE=$build/go-cache GOPATH=$build/go-path GOFLAGS=-mod=mod GOPROXY=off GO111MODULE=on \
    go build -trimpath -o "$base/go_plugin" .)

# shellcheck source=tests/e2e/lib.sh
. "$root/tests/e2e/lib.sh"
pg_init "$build/scratch"
trap pg_cleanup EXIT
S=$PG_DIR
export HOME=$S/home REGISTRY_AUTH_FILE=$S/empty-auth.json
mkdir -p "$HOME"
echo '{}' >"$REGISTRY_AUTH_FILE"
unset PULLGUARD_CONFIG PULLGUARD_LOG_LEVEL

# --- fixtures -------------------------------------------------------------------------------
pw=$(head -c 24 /dev/urandom | base64 | tr -d '/+=\n')
(umask 077 && printf '%s\n' "$pw" >"$S/alice.pw")
request() {
  printf '{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"%s"}\n' "$1"
}
request registry.bench:5000/team/app >"$S/req.json"
config() { # NAME ENTRY_YAML: a pullguard config with its own state dir
  mkdir -p "$S/state-$1"
  printf 'apiVersion: pullguard.io/v1alpha1\nkind: PullguardConfig\nstateDir: %s\nregistries:\n%s\n' \
    "$S/state-$1" "$2" >"$S/$1.yaml"
  chmod 600 "$S/$1.yaml"
}
config static "  - match: [\"registry.bench:5000\"]
    static: {username: alice, passwordFile: $S/alice.pw}"
# The same config as JSON (no YAML parser on the path).
python3 - "$S" >"$S/static-json.json" <<'PY'
import json, sys
print(json.dumps({"apiVersion": "pullguard.io/v1alpha1", "kind": "PullguardConfig",
                  "stateDir": sys.argv[1] + "/state-static",
                  "registries": [{"match": ["registry.bench:5000"],
                                  "static": {"username": "alice", "passwordFile": sys.argv[1] + "/alice.pw"}}]}))
PY
chmod 600 "$S/static-json.json"
python3 - "$pw" >"$S/docker-config.json" <<'PY'
import base64, json, sys
print(json.dumps({"auths": {"registry.bench:5000": {"auth": base64.b64encode(("alice:" + sys.argv[1]).encode()).decode()}}}))
PY
chmod 600 "$S/docker-config.json"
config dockercfg "  - match: [\"registry.bench:5000\"]
    dockerConfig: $S/docker-config.json"

# decide: one kubelet record for the image, a pod whose secret pulled it (answer: use-local).
mkdir -p "$S/records"
python3 - "$pw" >"$S/record-add.json" <<'PY'
import json, sys
print(json.dumps({"image": "registry.bench:5000/team/app:v1", "imageRef": "sha256:" + "ab" * 32,
                  "secret": {"uid": "u1", "namespace": "team", "name": "pull",
                             "auth": {"username": "alice", "password": sys.argv[1]}}}))
PY
"$pg" records add --dir "$S/records" <"$S/record-add.json" >/dev/null
python3 - "$pw" >"$S/decide.json" <<'PY'
import json, sys
print(json.dumps({"image": "registry.bench:5000/team/app:v1", "imageRef": "sha256:" + "ab" * 32,
                  "imagePresent": True,
                  "podSecrets": [{"uid": "u1", "namespace": "team", "name": "pull",
                                  "auth": {"username": "alice", "password": sys.argv[1]}}]}))
PY
"$pg" decide --dir "$S/records" <"$S/decide.json" | grep -q use-local || pg_fail "decide fixture"

say "token server + docker-registry (token mode), one image"
python3 - "$pw" >"$S/users.json" <<'PY'
import json, sys
print(json.dumps({"users": {"alice": {"password": sys.argv[1], "access": {"*": ["pull", "push"]}}}}))
PY
chmod 600 "$S/users.json"
PG_REGISTRY_ACCESSLOG=1 pg_start_token_registry "$root" "$S/users.json"
REG=$PG_TOKEN_REGISTRY
pg_build_oci_image "$S/oci" v1 >/dev/null
pg_push_image "$S/oci" v1 team/app:v1 alice "$pw" "$REG"
request "$REG/team/app" >"$S/req-reg.json"
config refresh "  - match: [\"$REG\"]
    refreshToken: {username: alice, passwordFile: $S/alice.pw, realm: $PG_TOKEN_URL/token, service: pullguard-test-registry}"
config verify "  - match: [\"$REG\"]
    verify: true
    static: {username: alice, passwordFile: $S/alice.pw}"
token_count() { curl -s "$PG_TOKEN_URL/count" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }
token_reset() { curl -s -X POST "$PG_TOKEN_URL/reset" >/dev/null; }
# /v2/ requests in docker-registry's access log (a line lands as a response ends: settle first).
registry_count() { sleep 0.3 && pg_registry_requests "$PG_DIR/token-registry/registry.log"; }
# Cold for a preflight: no pull token and no stored proof.
cold() { echo "rm -rf $S/state-$1/tokens $S/state-$1/proofs"; }
# The cached path: the refresh token is fetched once here, every timed exec reads it from disk.
"$pg" get-credentials --config="$S/refresh.yaml" <"$S/req-reg.json" >/dev/null
"$pg" get-credentials --config="$S/verify.yaml" <"$S/req-reg.json" >/dev/null

GET="$pg get-credentials --config="
# The static front's network helper: the same program linked dynamically (docs/install.md), i.e.
# what pullguard was before the front; measured beside it in the same run.
net=$build/plugin/pullguard-net
dyn=()
[ -x "$net" ] && dyn=(static_dynamic "$net get-credentials --config=$S/static.yaml <$S/req.json")
floor=(c_floor "$base/c_floor <$S/req.json")
gob=(go "$base/go_plugin alice $S/alice.pw registry.bench:5000 <$S/req.json")
execs() { "$eb" "$@"; }

# --- exec latency, no network -----------------------------------------------------------------
say "exec latency without network: $repeats runs x $runs execs per command (interleaved)"
for r in $(seq 1 "$repeats"); do
  execs -r "$runs" -w 20 -o "$res/raw-nonet-$r.tsv" "${floor[@]}" "${gob[@]}" \
    c_dynamic "$base/c_dynamic <$S/req.json" \
    static_json "${GET}$S/static-json.json <$S/req.json" \
    static "${GET}$S/static.yaml <$S/req.json" "${dyn[@]}" \
    dockercfg "${GET}$S/dockercfg.yaml <$S/req.json" \
    cached "${GET}$S/refresh.yaml <$S/req-reg.json" \
    decide "$pg decide --dir $S/records <$S/decide.json" \
    version "$pg version" >"$res/nonet-$r.tsv"
done

# --- exec latency with the local registry ---------------------------------------------------
say "preflight warm/cold and token login: $repeats runs x $net_runs execs"
for r in $(seq 1 "$repeats"); do
  # Warm: the pull token is cached but the proof is not (one registry request); proven: the
  # proof is reused (no request at all).
  execs -r "$net_runs" -w 5 -p "rm -rf $S/state-verify/proofs" -o "$res/raw-warm-$r.tsv" \
    "${floor[@]}" "${gob[@]}" \
    preflight_warm "${GET}$S/verify.yaml <$S/req-reg.json" >"$res/warm-$r.tsv"
  execs -r "$net_runs" -w 5 -o "$res/raw-proven-$r.tsv" "${floor[@]}" "${gob[@]}" \
    preflight_proven "${GET}$S/verify.yaml <$S/req-reg.json" >"$res/proven-$r.tsv"
  execs -r "$net_runs" -w 5 -p "$(cold verify) $S/state-refresh/tokens" \
    -o "$res/raw-cold-$r.tsv" "${floor[@]}" "${gob[@]}" \
    preflight_cold "${GET}$S/verify.yaml <$S/req-reg.json" \
    refresh_cold "${GET}$S/refresh.yaml <$S/req-reg.json" >"$res/cold-$r.tsv"
done

say "HTTP requests and connections per exec (strace of one exec each)"
trace() { # NAME CONFIG [PREPARE...]
  local name=$1 cfg=$2
  shift 2
  "$@"
  strace -f -qq -e trace=connect,sendto,sendmsg,write -s 12 -o "$res/strace-$name.txt" \
    "$pg" get-credentials --config="$cfg" <"$S/req-reg.json" >/dev/null
}
trace preflight_cold "$S/verify.yaml" rm -rf "$S/state-verify/tokens" "$S/state-verify/proofs"
trace preflight_warm "$S/verify.yaml" rm -rf "$S/state-verify/proofs"
trace preflight_proven "$S/verify.yaml" true
trace refresh_cold "$S/refresh.yaml" rm -rf "$S/state-refresh/tokens"
trace cached "$S/refresh.yaml" true
printf 'registry\t%s\ntoken\t%s\n' "${REG##*:}" "${PG_TOKEN_URL##*:}" >"$res/ports.tsv"

say "$conc concurrent execs on a cold cache (5 samples each)"
storms="refresh:$pg verify:$pg"
[ -n "${BENCH_BEFORE:-}" ] && storms="$storms verify-before:$BENCH_BEFORE"
for storm in $storms; do
  name=${storm%%:*} bin=${storm#*:} state=${storm%%:*}
  state=${state%-before}
  # One exec alone on a cold cache: the yardstick for the total wall of the concurrent ones.
  execs -r "$net_runs" -w 3 -p "$(cold "$state")" \
    one "$bin get-credentials --config=$S/$state.yaml <$S/req-reg.json" >"$res/one-$name.tsv"
  : >"$res/concurrent-$name.tsv"
  for k in 0 1 2 3 4 5; do
    rm -rf "$S/state-$state/tokens" "$S/state-$state/proofs"
    token_reset
    regs=$(registry_count)
    execs -r 1 -w 0 -c "$conc" many "$bin get-credentials --config=$S/$state.yaml <$S/req-reg.json" >"$res/c.tsv"
    # Sample 0 warms the page cache and is not kept. Columns: wall, token and registry requests.
    [ "$k" -eq 0 ] || printf '%s\t%s\t%s\n' "$(cut -f3 "$res/c.tsv")" "$(token_count)" \
      "$(($(registry_count) - regs))" >>"$res/concurrent-$name.tsv"
  done
done

# --- hyperfine: the same execs measured by a second tool ------------------------------------
say "hyperfine cross-check (shell start-up subtracted by hyperfine)"
hyperfine -w 20 -r "$runs" --export-json "$res/hyperfine.json" \
  -n c_floor "$base/c_floor <$S/req.json" \
  -n go "$base/go_plugin alice $S/alice.pw registry.bench:5000 <$S/req.json" \
  -n static "${GET}$S/static.yaml <$S/req.json" \
  -n cached "${GET}$S/refresh.yaml <$S/req-reg.json" >/dev/null 2>"$res/hyperfine.err" ||
  say "hyperfine failed: $(tail -1 "$res/hyperfine.err")"

# --- writers on one record (issue 16 item 5) --------------------------------------------------
# 32 processes x BENCH_WRITER_ADDS `records add` on one imageRef, each add its own secret, and the
# floor: the same shell loops running `pullguard version`, in the same run, interleaved. Columns:
# kind, seconds, secrets in the record afterwards (every add must be there). Before cache_bench:
# its 100k record files, deleted seconds earlier, slow every file creation on ext4 for a while
# (the inode allocator skips recently deleted inodes), and each add creates a file (20.2, 17.0 and
# 12.9 s in three runs right after it, 10.9-11.8 s without it).
writers() { # MODE DIR
  local mode=$1 dir=$2 p i pids=()
  for ((p = 0; p < 32; p++)); do
    (for ((i = 0; i < ${BENCH_WRITER_ADDS:-200}; i++)); do
      if [ "$mode" = add ]; then
        printf '{"image":"registry.example/team/app:v1","imageRef":"sha256:conc","secret":{"uid":"uid-%d-%d","namespace":"ns-%d","name":"s-%d","credentialHash":"h-%d-%d"}}' \
          "$p" "$i" "$p" "$i" "$p" "$i" | "$pg" records add --dir "$dir" >/dev/null
      else
        # (version does not read its stdin: printf may meet a closed pipe, SIGPIPE under pipefail)
        printf '{}' | "$pg" version >/dev/null || true
      fi
    done) &
    pids+=($!)
  done
  wait "${pids[@]}"  # not a bare wait: the registry and the token server run in the background too
}
: >"$res/writers.tsv"
[ "${BENCH_WRITER_ADDS:-200}" -gt 0 ] && say "writers: 32 x ${BENCH_WRITER_ADDS:-200} records add on one imageRef, and the same loops of version ($repeats runs)"
for r in $(seq 1 "$repeats"); do
  [ "${BENCH_WRITER_ADDS:-200}" -gt 0 ] || break
  for mode in floor add; do
    rm -rf "$S/writers"
    t0=$(date +%s.%N)
    writers "$mode" "$S/writers"
    t1=$(date +%s.%N)
    n=0
    [ "$mode" = add ] && n=$("$pg" records show --dir "$S/writers" sha256:conc | grep -o '"uid":"uid-' | wc -l)
    printf '%s\t%s\t%s\n' "$mode" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" \
      "$n" >>"$res/writers.tsv"
  done
done
rm -rf "$S/writers"

# --- throughput benchmarks (bench/*_bench) --------------------------------------------------
say "matcher_bench, cache_bench ($records records), startup_bench"
"$build/bench/matcher_bench" >"$res/matcher.txt"
"$build/bench/cache_bench" "$records" "$S/cache-bench" >"$res/cache.txt"
"$build/bench/startup_bench" >"$res/startup.txt"
[ -x "$build/bench/protocol_bench" ] && "$build/bench/protocol_bench" >"$res/protocol.txt"

# --- profile of the static path -------------------------------------------------------------
say "profile: loader statistics, libraries, callgrind instruction counts"
# The front has no loader to report on: its libraries, loader statistics and libc calls are those of
# the dynamically linked program (pullguard-net beside a front).
dynamic=$pg
[ -x "$net" ] && dynamic=$net
{ echo "$pg:"; ldd "$pg" 2>&1 || true; [ "$dynamic" = "$pg" ] || { echo "$dynamic:"; ldd "$dynamic"; }; } >"$res/ldd.txt"
LD_DEBUG=statistics "$dynamic" get-credentials --config="$S/static.yaml" <"$S/req.json" 2>"$res/ld-statistics.txt" >/dev/null
ltrace -c -o "$res/ltrace.txt" "$dynamic" get-credentials --config="$S/static.yaml" <"$S/req.json" >/dev/null 2>&1 || true
cg() { # NAME CMD...: instructions of one exec, the whole process, loader included
  local name=$1
  shift
  valgrind --tool=callgrind --callgrind-out-file="$res/callgrind-$name.out" "$@" >/dev/null 2>"$res/callgrind-$name.err" || true
  callgrind_annotate --inclusive=yes "$res/callgrind-$name.out" 2>/dev/null | head -40 >"$res/callgrind-$name.txt" || true
}
cg c_floor "$base/c_floor" <"$S/req.json"
# (Not the Go plugin: callgrind 3.19 aborts on the Go runtime's signal handling.)
cg static "$pg" get-credentials --config="$S/static.yaml" <"$S/req.json"
[ "$dynamic" = "$pg" ] || cg static_dynamic "$net" get-credentials --config="$S/static.yaml" <"$S/req.json"
cg cached "$pg" get-credentials --config="$S/refresh.yaml" <"$S/req-reg.json"
# The functions each exec path runs, by their link names: the order of plugin/hot_text.txt.
hot() { # NAME CMD...
  local name=$1
  shift
  valgrind --tool=callgrind --demangle=no --callgrind-out-file="$res/hot-$name.out" "$@" >/dev/null 2>&1 || true
}
hot static "$pg" get-credentials --config="$S/static.yaml" <"$S/req.json"
hot static_json "$pg" get-credentials --config="$S/static-json.json" <"$S/req.json"
hot dockercfg "$pg" get-credentials --config="$S/dockercfg.yaml" <"$S/req.json"
hot cached "$pg" get-credentials --config="$S/refresh.yaml" <"$S/req-reg.json"
hot decide "$pg" decide --dir "$S/records" <"$S/decide.json"
hot version "$pg" version
# Most important first: kubelet's call answered from files, then from the token cache.
python3 "$root/bench/hot_text.py" "$res/hot_text.txt" "$res"/hot-{static,cached,static_json,dockercfg,decide,version}.out
if [ "${BENCH_HOT_TEXT:-0}" = 1 ]; then
  cp "$res/hot_text.txt" "$root/plugin/hot_text.txt"
elif ! cmp -s "$res/hot_text.txt" "$root/plugin/hot_text.txt"; then
  say "plugin/hot_text.txt differs from this build's exec paths (BENCH_HOT_TEXT=1 rewrites it)"
fi

# --- report ---------------------------------------------------------------------------------
docs_dir=$root/docs
[ "${BENCH_DOCS:-1}" = 0 ] && docs_dir=$res/docs
mkdir -p "$docs_dir/bench"
python3 "$root/bench/report.py" --results "$res" --docs "$docs_dir" --notes "$root/bench/NOTES.md" \
  --runs "$runs" --repeats "$repeats" --concurrency "$conc" --pullguard "$pg" \
  --writer-adds "${BENCH_WRITER_ADDS:-200}"
