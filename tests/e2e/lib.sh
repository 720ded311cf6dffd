# Shared helpers for the end-to-end tests and scripts/demo.sh: real parts (Debian's docker-registry,
# skopeo, htpasswd, containerd) started on 127.0.0.1, free ports, cleaned up by pg_cleanup.
#
# Source it, then:
#   pg_e2e BIN SRC SCRATCH         the preamble of every e2e test (call it with the test's "$@"):
#                                  sets bin, src and PG_DIR (a fresh private SCRATCH), installs
#                                  pg_cleanup on EXIT, gives the test a HOME, XDG_RUNTIME_DIR and
#                                  registry auth file of its own (skopeo and ctr never find the
#                                  machine's credentials), makes $PG_DIR/out and $PG_DIR/err, and
#                                  unsets PULLGUARD_CONFIG and PULLGUARD_LOG_LEVEL.
#   pg_secret                      prints a fresh random password (32 characters, [A-Za-z0-9]).
#   pg_init SCRATCH_DIR            creates SCRATCH_DIR (private), sets PG_DIR (pg_e2e calls it).
#   pg_cleanup                     kills every process started here (by pid), removes temp dirs;
#                                  install it with: trap pg_cleanup EXIT
#   pg_free_port                   prints a free TCP port on 127.0.0.1.
#   pg_start_registry USER PASS [NAME [EXTRA_YAML]]
#                                  starts docker-registry with htpasswd (bcrypt) auth, data under
#                                  $PG_DIR/NAME (default registry), EXTRA_YAML appended to its config
#                                  (0600; e.g. a `proxy:` block: a pull-through cache); sets
#                                  PG_REGISTRY (127.0.0.1:PORT), PG_REGISTRY_PID.
#                                  The password is read from the argument, never printed.
#   pg_hosts_toml DIR HOST SERVER [MIRROR]
#                                  containerd's DIR/HOST/hosts.toml (ctr --hosts-dir, the CRI's
#                                  config_path): plain-HTTP SERVER, and a pull/resolve [host] for
#                                  MIRROR (default SERVER) that containerd tries first.
#   pg_build_oci_image DIR TAG [CONTENT]
#                                  writes a one-layer OCI image layout to DIR (layer: /hello.txt,
#                                  holding CONTENT when given: another image), reference name TAG;
#                                  prints the manifest digest. python3 only.
#   pg_push_image DIR TAG REPO USER PASS [REGISTRY]
#                                  skopeo copy oci:DIR:TAG -> docker://REGISTRY/REPO (plain HTTP;
#                                  REGISTRY defaults to $PG_REGISTRY).
#   pg_start_token_registry SRC USERS_JSON
#                                  starts SRC/tests/servers/token_server.py (RSA key and self-signed
#                                  cert made here with openssl; users/access from USERS_JSON, see the
#                                  server's header) and a docker-registry in `auth: token` mode that
#                                  trusts the cert; sets PG_TOKEN_REGISTRY (127.0.0.1:PORT),
#                                  PG_TOKEN_URL (http://127.0.0.1:PORT of the token server).
#                                  With PG_REGISTRY_ACCESSLOG=1 set beforehand, either registry
#                                  writes an access log line per request to DIR/registry.log.
#   pg_registry_requests LOG       how many /v2/ requests a registry's access log holds so far.
#   pg_start_faulty_server SRC     starts SRC/tests/servers/faulty_registry.py; sets PG_FAULTY_URL.
#   pg_start_containerd            starts containerd (root needed) with a private root/state/socket
#                                  under a short temp dir; sets PG_CONTAINERD_SOCK. Returns 1 if it
#                                  cannot run here (not root, no binary).
#   pg_log MSG / pg_fail MSG       progress line on stderr / failure line and exit 1.
#   pg_config NAME REGISTRIES_YAML writes $PG_DIR/NAME.yaml (0600), a pullguard config with stateDir
#                                  $PG_DIR/state-NAME and the given registries: block; prints its path.
#   pg_expect_ok NAME / pg_expect_fail NAME NEEDLE
#                                  judge a get-credentials run whose exit code is in $rc, stdout in
#                                  $PG_DIR/out/NAME.json, stderr in $PG_DIR/err/NAME: success with a
#                                  silent stderr, or failure with nothing on stdout and ONE stderr
#                                  line containing NEEDLE.
#   pg_field NAME KEY FIELD        auth[KEY][FIELD] of $PG_DIR/out/NAME.json (KEY "-": cacheDuration).
#   pg_mask_json                   stdin -> stdout with every "password" value replaced by "*****".

PG_PIDS=()
PG_TMPDIRS=()

pg_log() { printf '%s\n' "--- $*" >&2; }
pg_fail() {
  printf '%s\n' "FAIL: $*" >&2
  exit 1
}

pg_init() {
  PG_DIR=$1
  rm -rf "$PG_DIR"
  mkdir -p "$PG_DIR"
  chmod 700 "$PG_DIR"
}

pg_e2e() {
  bin=$1
  src=$2
  pg_init "$3"
  trap pg_cleanup EXIT
  export REGISTRY_AUTH_FILE=$PG_DIR/empty-auth.json HOME=$PG_DIR/home XDG_RUNTIME_DIR=$PG_DIR/run
  echo '{}' >"$REGISTRY_AUTH_FILE"
  mkdir -p "$HOME" "$XDG_RUNTIME_DIR" "$PG_DIR/out" "$PG_DIR/err"
  unset PULLGUARD_CONFIG PULLGUARD_LOG_LEVEL
}

pg_secret() { head -c 24 /dev/urandom | base64 | tr -d '/+=\n'; }

pg_cleanup() {
  set +e  # cleanup runs to the end whatever fails
  local pid
  for pid in "${PG_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PG_PIDS[@]}"; do
    # Give each its shutdown, then insist.
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PG_PIDS=()
  local d
  for d in "${PG_TMPDIRS[@]}"; do
    # containerd may leave mounts in its root; unmount before removing.
    grep -o " $d[^ ]*" /proc/mounts 2>/dev/null | sort -r | while read -r m; do umount "$m" 2>/dev/null; done
    rm -rf "$d"
  done
  PG_TMPDIRS=()
}

pg_free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'
}

# Waits until URL answers with HTTP status CODE (max ~15 s).
pg_wait_http() {
  local url=$1 code=$2 got
  for _ in $(seq 1 150); do
    got=$(curl -s -o /dev/null -w '%{http_code}' "$url" 2>/dev/null || true)
    [ "$got" = "$code" ] && return 0
    sleep 0.1
  done
  return 1
}

# pg_registry_config_head DIR PORT: the part of a docker-registry config both auth modes share.
pg_registry_config_head() {
  local dir=$1 port=$2 accesslog_off=true
  [ "${PG_REGISTRY_ACCESSLOG:-0}" = 1 ] && accesslog_off=false
  cat <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: ${accesslog_off}
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: $(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
YAML
}

# pg_serve_registry DIR: docker-registry on DIR/config.yml in the background ($! is its pid).
# REGISTRY_* variables override the config file (REGISTRY_AUTH_FILE, meant for skopeo, breaks it):
# start the registry without any.
pg_serve_registry() {
  local dir=$1 unset_args=() v
  for v in $(compgen -e | grep '^REGISTRY_' || true); do unset_args+=(-u "$v"); done
  env "${unset_args[@]}" docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
}

pg_start_registry() {
  local user=$1 pass=$2 dir=$PG_DIR/${3:-registry} extra=${4:-} port
  mkdir -p "$dir/data"
  htpasswd -Bbn "$user" "$pass" >"$dir/htpasswd" 2>/dev/null || pg_fail "htpasswd failed"
  chmod 600 "$dir/htpasswd"
  port=$(pg_free_port)
  pg_registry_config_head "$dir" "$port" >"$dir/config.yml"
  cat >>"$dir/config.yml" <<YAML
auth:
  htpasswd:
    realm: pullguard-test
    path: $dir/htpasswd
YAML
  [ -z "$extra" ] || printf '%s\n' "$extra" >>"$dir/config.yml"
  chmod 600 "$dir/config.yml"
  pg_serve_registry "$dir"
  PG_REGISTRY_PID=$!
  PG_PIDS+=("$PG_REGISTRY_PID")
  PG_REGISTRY=127.0.0.1:$port
  # An authenticated registry answers /v2/ with 401 once it listens.
  pg_wait_http "http://$PG_REGISTRY/v2/" 401 || {
    cat "$dir/registry.log" >&2
    pg_fail "docker-registry did not start on $PG_REGISTRY"
  }
}

pg_hosts_toml() {
  mkdir -p "$1/$2"
  printf 'server = "http://%s"\n\n[host."http://%s"]\n  capabilities = ["pull", "resolve"]\n' \
    "$3" "${4:-$3}" >"$1/$2/hosts.toml"
}

pg_registry_requests() {
  grep -cE '"(GET|HEAD|POST|PUT|PATCH|DELETE) /v2/' "$1" || true
}

pg_build_oci_image() {
  local dir=$1 tag=$2
  python3 - "$dir" "$tag" "${3:-}" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile, time
out, tag = sys.argv[1], sys.argv[2]
os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)

def blob(data):
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(out, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return "sha256:" + d, len(data)

buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
    content = (sys.argv[3] or "hello from pullguard's e2e image\n").encode()
    info = tarfile.TarInfo("hello.txt")
    info.size, info.mode, info.mtime = len(content), 0o644, 0
    t.addfile(info, io.BytesIO(content))
tar_bytes = buf.getvalue()
diff_id = "sha256:" + hashlib.sha256(tar_bytes).hexdigest()
# Compressed, as a registry push would make it anyway (skopeo would otherwise rewrite the manifest).
layer_digest, layer_size = blob(gzip.compress(tar_bytes, mtime=0))
config = {
    "architecture": "amd64", "os": "linux", "created": "2026-01-01T00:00:00Z",
    "config": {"Cmd": ["/hello.txt"]},
    "rootfs": {"type": "layers", "diff_ids": [diff_id]},
}
cfg_digest, cfg_size = blob(json.dumps(config, separators=(",", ":")).encode())
manifest = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg_digest, "size": cfg_size},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest, "size": layer_size}],
}
man_digest, man_size = blob(json.dumps(manifest, separators=(",", ":")).encode())
index = {"schemaVersion": 2, "manifests": [{
    "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": man_digest, "size": man_size,
    "annotations": {"org.opencontainers.image.ref.name": tag}}]}
with open(os.path.join(out, "index.json"), "w") as f:
    json.dump(index, f)
with open(os.path.join(out, "oci-layout"), "w") as f:
    json.dump({"imageLayoutVersion": "1.0.0"}, f)
print(man_digest)
PY
}

pg_push_image() {
  local dir=$1 tag=$2 repo=$3 user=$4 pass=$5 reg=${6:-$PG_REGISTRY}
  skopeo copy --quiet --dest-tls-verify=false --dest-creds "$user:$pass" \
    "oci:$dir:$tag" "docker://$reg/$repo" >"$PG_DIR/skopeo-push.log" 2>&1 || {
    grep -vF -- "$pass" "$PG_DIR/skopeo-push.log" >&2
    pg_fail "skopeo could not push to $reg/$repo"
  }
}

pg_start_containerd() {
  [ "$(id -u)" -eq 0 ] || return 1
  command -v containerd >/dev/null && command -v ctr >/dev/null || return 1
  # Unix socket paths are limited to 108 bytes: keep the whole tree under a short temp dir.
  local d
  d=$(mktemp -d /tmp/pg-ctrd.XXXXXX)
  PG_TMPDIRS+=("$d")
  cat >"$d/config.toml" <<TOML
version = 2
root = "$d/root"
state = "$d/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$d/c.sock"
[ttrpc]
  address = "$d/c.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
TOML
  containerd --config "$d/config.toml" >"$d/containerd.log" 2>&1 &
  local pid=$!
  PG_PIDS+=("$pid")
  PG_CONTAINERD_SOCK=$d/c.sock
  PG_CONTAINERD_LOG=$d/containerd.log
  for _ in $(seq 1 100); do
    ctr --address "$PG_CONTAINERD_SOCK" version >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}

pg_mask_json() {
  sed -E 's/("password"[[:space:]]*:[[:space:]]*")([^"\\]|\\.)*"/\1*****"/g'
}

# Checks of one get-credentials run whose stdout went to $PG_DIR/out/NAME.json, its stderr to
# $PG_DIR/err/NAME and its exit status to $rc (as the tests' `get` helpers leave them).
# shellcheck disable=SC2154  # rc is the caller's
pg_expect_ok() {  # NAME
  [ "$rc" -eq 0 ] || pg_fail "$1: exit $rc: $(cat "$PG_DIR/err/$1")"
  [ ! -s "$PG_DIR/err/$1" ] || pg_fail "$1: wrote to stderr"
}
pg_expect_fail() {  # NAME NEEDLE: a failure, nothing on stdout, one stderr line holding NEEDLE
  local name=$1 needle=$2
  [ "$rc" -ne 0 ] || pg_fail "$name: exit 0, want a failure"
  [ ! -s "$PG_DIR/out/$name.json" ] || pg_fail "$name: wrote to stdout on failure"
  [ "$(wc -l <"$PG_DIR/err/$name")" -eq 1 ] || pg_fail "$name: want one stderr line: $(cat "$PG_DIR/err/$name")"
  grep -q -- "$needle" "$PG_DIR/err/$name" || pg_fail "$name: stderr lacks '$needle': $(cat "$PG_DIR/err/$name")"
}
pg_field() {  # NAME KEY FIELD -> auth[KEY][FIELD] of the answer (cacheDuration with KEY=-)
  python3 -c 'import json,sys
r=json.load(open(sys.argv[1]))
print(r["cacheDuration"] if sys.argv[2]=="-" else r["auth"][sys.argv[2]][sys.argv[3]])' \
    "$PG_DIR/out/$1.json" "$2" "${3:-}"
}

# N (default 32) get-credentials execs at once on one request file: all succeed with one answer.
pg_concurrent_execs() {  # NAME CONFIG REQUEST_FILE [N]
  local name=$1 config=$2 req=$3 n=${4:-32} i pids=() failed=0
  for i in $(seq 1 "$n"); do
    "$bin" get-credentials --config="$config" <"$req" \
      >"$PG_DIR/out/$name-$i.json" 2>"$PG_DIR/err/$name-$i" &
    pids+=("$!")
  done
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || failed=$((failed + 1)); done
  [ "$failed" -eq 0 ] || pg_fail "$name: $failed of $n execs failed: $(cat "$PG_DIR/err/$name"-* | sort | uniq -c)"
  [ "$(cat "$PG_DIR/out/$name"-*.json | sort -u | wc -l)" -eq 1 ] || pg_fail "$name: answers differ"
}

# containerd (started by pg_start_containerd; PG_CTR_OK=1 when it runs) pulling REF with a
# credential pullguard returned; both are no-ops without containerd.
pg_ctr_pull() {  # NAME USER PASS REF
  [ "${PG_CTR_OK:-0}" -eq 1 ] || return 0
  ctr --address "$PG_CONTAINERD_SOCK" images rm "$4" >/dev/null 2>&1 || true
  ctr --address "$PG_CONTAINERD_SOCK" images pull --plain-http --user "$2:$3" "$4" \
    >"$PG_DIR/out/ctr-$1.log" 2>"$PG_DIR/err/ctr-$1" ||
    pg_fail "containerd could not pull $4 with pullguard's $1 credential"
  # Under parallel CTest runs containerd 1.6 has been seen to list a just-pulled image only a
  # moment after `pull` returned: look again for up to 2 s, then show what it does list.
  local _
  for _ in $(seq 1 20); do
    ctr --address "$PG_CONTAINERD_SOCK" images ls -q | grep -qx "$4" && return 0
    sleep 0.1
  done
  pg_fail "ctr lists no $4 (it lists: $(ctr --address "$PG_CONTAINERD_SOCK" images ls -q | tr '\n' ' '))"
}
pg_ctr_pull_refused() {  # NAME USER PASS REF
  [ "${PG_CTR_OK:-0}" -eq 1 ] || return 0
  if ctr --address "$PG_CONTAINERD_SOCK" images pull --plain-http --user "$2:$3" "$4" \
    >"$PG_DIR/out/ctr-$1.log" 2>"$PG_DIR/err/ctr-$1"; then
    pg_fail "containerd pulled $4 with $1, which must not work"
  fi
}

# Waits for a server to write its port file (max ~10 s); prints the port.
pg_wait_port_file() {
  local file=$1 pid=$2
  for _ in $(seq 1 100); do
    [ -s "$file" ] && { cat "$file"; return 0; }
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

pg_start_token_registry() {
  local src=$1 users=$2 dir=$PG_DIR/token-registry port tport pid
  mkdir -p "$dir/data"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/key.pem" -out "$dir/cert.pem" \
    -days 2 -subj "/CN=pullguard-test-token-issuer" >/dev/null 2>&1 || pg_fail "openssl failed"
  chmod 600 "$dir/key.pem"
  python3 - "$users" "$dir" >"$dir/token-config.json" <<'PY'
import json, sys
cfg = json.load(open(sys.argv[1]))
d = sys.argv[2]
cfg.update({"key": d + "/key.pem", "cert": d + "/cert.pem", "issuer": "pullguard-test-issuer",
            "service": "pullguard-test-registry"})
cfg.setdefault("expires_in", 300)
print(json.dumps(cfg))
PY
  chmod 600 "$dir/token-config.json"
  python3 "$src/tests/servers/token_server.py" --config "$dir/token-config.json" \
    --port-file "$dir/token.port" >"$dir/token.log" 2>&1 &
  pid=$!
  PG_PIDS+=("$pid")
  tport=$(pg_wait_port_file "$dir/token.port" "$pid") || {
    cat "$dir/token.log" >&2
    pg_fail "token server did not start"
  }
  PG_TOKEN_URL=http://127.0.0.1:$tport
  port=$(pg_free_port)
  pg_registry_config_head "$dir" "$port" >"$dir/config.yml"
  cat >>"$dir/config.yml" <<YAML
auth:
  token:
    realm: $PG_TOKEN_URL/token
    service: pullguard-test-registry
    issuer: pullguard-test-issuer
    rootcertbundle: $dir/cert.pem
YAML
  pg_serve_registry "$dir"
  PG_PIDS+=("$!")
  PG_TOKEN_REGISTRY=127.0.0.1:$port
  pg_wait_http "http://$PG_TOKEN_REGISTRY/v2/" 401 || {
    cat "$dir/registry.log" >&2
    pg_fail "docker-registry (token mode) did not start on $PG_TOKEN_REGISTRY"
  }
}

pg_start_faulty_server() {
  local src=$1 dir=$PG_DIR/faulty pid port
  mkdir -p "$dir"
  python3 "$src/tests/servers/faulty_registry.py" --port-file "$dir/port" >"$dir/log" 2>&1 &
  pid=$!
  PG_PIDS+=("$pid")
  port=$(pg_wait_port_file "$dir/port" "$pid") || {
    cat "$dir/log" >&2
    pg_fail "faulty registry did not start"
  }
  PG_FAULTY_URL=http://127.0.0.1:$port
}

# A pullguard config NAME with its own state dir and the given registries block; prints its path.
pg_config() {  # NAME REGISTRIES_YAML
  local name=$1 body=$2
  printf 'apiVersion: pullguard.io/v1alpha1\nkind: PullguardConfig\nstateDir: %s\nregistries:\n%s\n' \
    "$PG_DIR/state-$name" "$body" >"$PG_DIR/$name.yaml"
  chmod 600 "$PG_DIR/$name.yaml"
  echo "$PG_DIR/$name.yaml"
}
