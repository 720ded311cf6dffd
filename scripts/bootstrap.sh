#!/usr/bin/env bash
# Installs what pullguard needs to build and test (and with --bench, to benchmark), from Debian's
# packages. Idempotent; silent when everything is already present.
set -euo pipefail

packages=(
  # build
  cmake g++ make pkg-config clang clang-format libclang-rt-14-dev
  nlohmann-json3-dev libre2-dev libcurl4-openssl-dev libssl-dev libyaml-dev libcli11-dev catch2
  libexpat1-dev
  libbenchmark-dev
  # the link of pullguard in the exec path's order (plugin/hot_text.txt; optional, measured in
  # docs/BENCHMARKS.md)
  lld
  # test-time: a real registry, an image mover, htpasswd, a real runtime, openssl for test keys
  docker-registry skopeo apache2-utils containerd openssl curl python3 procps
  # test-time, tests/e2e/trust_boundaries_test.sh: network namespaces and veth (unshare, ip) and a
  # real HTTP proxy
  util-linux iproute2 tinyproxy
  # the ecr source's test servers verify SigV4 signatures with an independent signer (botocore)
  python3-botocore
  # packaging: cpack's dpkg-shlibdeps, man -l for the generated man page, YAML for the examples test
  dpkg-dev man-db python3-yaml
)
# `--bench` (scripts/bench.sh): the Go baseline plugin, plots, exec timing, loader/instruction
# profiles. Not needed to build or test, so a CI machine does not download them.
if [ "${1:-}" = --bench ]; then
  packages+=(golang-go gnuplot-nox hyperfine ltrace strace valgrind)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "bootstrap: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts the packaged registry as a service where it can; our tests start their own.
