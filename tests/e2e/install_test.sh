#!/usr/bin/env bash
# Packaging: `cpack` builds the .deb from the build tree; it is inspected (fields, file list, no
# conffiles), unpacked with dpkg -x and installed with dpkg --root into scratch roots, and the
# installed binary runs, validates the installed examples and has a man page that renders and
# matches its --help. Configs already on the "node" survive install and removal. Also
# `cmake --install` with DESTDIR gives the same layout. Args: pullguard binary, source, scratch.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$2/tests/e2e/lib.sh"
pg_e2e "$@"

# The build tree holding this binary (the nearest parent with CPackConfig.cmake).
build=$(dirname "$bin")
while [ "$build" != / ] && [ ! -f "$build/CPackConfig.cmake" ]; do build=$(dirname "$build"); done
[ -f "$build/CPackConfig.cmake" ] || pg_fail "no CPackConfig.cmake above $bin"
[ -f "$build/packaging/pullguard.1.gz" ] || cmake --build "$build" --target manpage >/dev/null
plugin_dir=usr/libexec/kubernetes/kubelet-plugins/credential-provider/exec

pg_log "cpack"
(cd "$PG_DIR" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$PG_DIR/pkg" \
  >"$PG_DIR/cpack.log" 2>&1) || {
  tail -n 30 "$PG_DIR/cpack.log" >&2
  pg_fail "cpack failed"
}
deb=$(ls "$PG_DIR"/pkg/pullguard_*.deb)
[ -f "$deb" ] || pg_fail "no .deb produced"
dpkg-deb -f "$deb" Package Version Architecture Depends >"$PG_DIR/fields"
grep -qx "Package: pullguard" "$PG_DIR/fields" || pg_fail "Package field"
grep -q "^Depends: .*libcurl4" "$PG_DIR/fields" || pg_fail "Depends lacks libcurl (dlopen'ed)"
grep -q "^Depends: .*libc6 (>= " "$PG_DIR/fields" || pg_fail "Depends lacks what dpkg-shlibdeps finds"
dpkg-deb -c "$deb" | awk '{print $6}' >"$PG_DIR/files"
for f in "./$plugin_dir/pullguard" ./usr/bin/pullguard ./usr/share/man/man1/pullguard.1.gz \
  ./usr/share/doc/pullguard/README.md ./usr/share/doc/pullguard/docs/install.md \
  ./usr/share/doc/pullguard/examples/config.yaml \
  ./usr/share/doc/pullguard/examples/daemonset/pullguard-daemonset.yaml; do
  grep -qx -- "$f" "$PG_DIR/files" || pg_fail "the .deb lacks $f"
done
# The static front's network helper, beside it (plugin/front/network_handoff.h).
front=0
if [ -e "$(dirname "$bin")/pullguard-net" ]; then
  front=1
  grep -qx -- "./$plugin_dir/pullguard-net" "$PG_DIR/files" || pg_fail "the .deb lacks pullguard-net"
fi
! grep -q '^\./etc/' "$PG_DIR/files" || pg_fail "the .deb ships files under /etc"
dpkg-deb -e "$deb" "$PG_DIR/control"
[ ! -e "$PG_DIR/control/conffiles" ] || pg_fail "the .deb declares conffiles"

pg_log "dpkg -x and run"
x=$PG_DIR/x
dpkg -x "$deb" "$x"
[ -L "$x/usr/bin/pullguard" ] || pg_fail "/usr/bin/pullguard is not a symlink"
[ "$(readlink -f "$x/usr/bin/pullguard")" = "$(readlink -f "$x/$plugin_dir/pullguard")" ] ||
  pg_fail "/usr/bin/pullguard does not point at the plugin dir"
mode=$(stat -c %a "$x/$plugin_dir/pullguard")
[ "$mode" = 755 ] || pg_fail "installed binary mode $mode"
if [ "$front" = 1 ]; then
  # Through the /usr/bin link, the front finds the helper beside its real file: a network config
  # (a refresh token from a loopback port where nothing listens) reaches the helper's request.
  mode=$(stat -c %a "$x/$plugin_dir/pullguard-net")
  [ "$mode" = 755 ] || pg_fail "installed helper mode $mode"
  port=$(pg_free_port)
  (umask 077 && echo pw >"$PG_DIR/net.pw")
  printf 'apiVersion: pullguard.io/v1alpha1\nkind: PullguardConfig\nstateDir: %s\nregistries:\n  - match: ["127.0.0.1:%s"]\n    refreshToken: {username: u, passwordFile: %s}\n' \
    "$PG_DIR/state-net" "$port" "$PG_DIR/net.pw" >"$PG_DIR/net.yaml"
  chmod 600 "$PG_DIR/net.yaml"
  printf '{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"127.0.0.1:%s/a/b"}' \
    "$port" >"$PG_DIR/net.json"
  if PULLGUARD_LOG_LEVEL=debug "$x/usr/bin/pullguard" get-credentials --config="$PG_DIR/net.yaml" \
    <"$PG_DIR/net.json" >/dev/null 2>"$PG_DIR/net.err"; then
    pg_fail "installed front: a request to a closed port succeeded"
  fi
  grep -q "\"helper\":\"$x/$plugin_dir/pullguard-net\"" "$PG_DIR/net.err" ||
    pg_fail "installed front did not hand over to the installed helper: $(cat "$PG_DIR/net.err")"
  grep -q "request to http://127.0.0.1:$port/v2/ failed" "$PG_DIR/net.err" ||
    pg_fail "installed helper did not make the request: $(cat "$PG_DIR/net.err")"
fi
out=$("$x/usr/bin/pullguard" version)
[ "$out" = "$("$bin" version)" ] || pg_fail "installed version: $out"
# The installed examples validate with the installed binary (secret files made in scratch).
sed "s#/etc/pullguard/#$PG_DIR/etc/#g" "$x/usr/share/doc/pullguard/examples/config-static.yaml" \
  >"$PG_DIR/static.yaml"
mkdir -p "$PG_DIR/etc" && (umask 077 && echo pw >"$PG_DIR/etc/registry-internal.pw")
"$x/$plugin_dir/pullguard" validate config "$PG_DIR/static.yaml" >/dev/null ||
  pg_fail "installed binary rejects the installed static example"
"$x/$plugin_dir/pullguard" validate kubelet-config \
  "$x/usr/share/doc/pullguard/examples/kubelet-credential-provider-config.d" >/dev/null ||
  pg_fail "installed binary rejects the installed kubelet config directory"

pg_log "man page"
MANWIDTH=120 man -l "$x/usr/share/man/man1/pullguard.1.gz" 2>"$PG_DIR/man.err" | sed "s/.\x08//g" >"$PG_DIR/man.txt"
[ ! -s "$PG_DIR/man.err" ] || pg_fail "man warns: $(head -3 "$PG_DIR/man.err")"
for cmd in get-credentials validate doctor records decide parse match; do
  grep -q "^   $cmd\$\|^  $cmd\$\|^ *$cmd\$" "$PG_DIR/man.txt" || pg_fail "man page lacks a $cmd section"
done
# Generated from --help: the first line of each command's usage appears verbatim.
for cmd in get-credentials doctor; do
  line=$("$bin" "$cmd" --help | head -1)
  grep -qF -- "$line" "$PG_DIR/man.txt" || pg_fail "man page lacks '$line'"
done

pg_log "dpkg --root: install and purge leave existing configs alone"
r=$PG_DIR/root
mkdir -p "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates" "$r/etc/pullguard" "$r/etc/kubernetes"
touch "$r/var/lib/dpkg/status"
echo "operator's config" >"$r/etc/pullguard/config.yaml"
echo "operator's kubelet config" >"$r/etc/kubernetes/credential-providers.yaml"
sums=$(cd "$r/etc" && sha256sum pullguard/config.yaml kubernetes/credential-providers.yaml)
dpkg --root="$r" --force-depends --force-script-chrootless -i "$deb" >"$PG_DIR/dpkg.log" 2>&1 || {
  cat "$PG_DIR/dpkg.log" >&2
  pg_fail "dpkg -i into a root failed"
}
"$r/$plugin_dir/pullguard" version >/dev/null || pg_fail "dpkg-installed binary does not run"
[ "$(cd "$r/etc" && sha256sum pullguard/config.yaml kubernetes/credential-providers.yaml)" = "$sums" ] ||
  pg_fail "install changed existing configs"
dpkg --root="$r" --force-script-chrootless --purge pullguard >>"$PG_DIR/dpkg.log" 2>&1 ||
  pg_fail "dpkg --purge failed"
[ ! -e "$r/$plugin_dir/pullguard" ] || pg_fail "purge left the binary"
[ ! -e "$r/$plugin_dir/pullguard-net" ] || pg_fail "purge left the network helper"
[ "$(cd "$r/etc" && sha256sum pullguard/config.yaml kubernetes/credential-providers.yaml)" = "$sums" ] ||
  pg_fail "purge changed existing configs"

pg_log "cmake --install with DESTDIR"
d=$PG_DIR/destdir
DESTDIR=$d cmake --install "$build" --prefix /usr >/dev/null
[ -x "$d/$plugin_dir/pullguard" ] || pg_fail "cmake --install: no binary in the plugin dir"
[ "$front" = 0 ] || [ -x "$d/$plugin_dir/pullguard-net" ] || pg_fail "cmake --install: no pullguard-net"
"$d/usr/bin/pullguard" version >/dev/null || pg_fail "cmake --install: /usr/bin/pullguard does not run"
pg_log "ok ($(du -k "$deb" | cut -f1) KiB .deb)"
