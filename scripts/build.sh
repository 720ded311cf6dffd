#!/usr/bin/env bash
# Configures and builds pullguard into BUILD_DIR (default build/), BUILD_TYPE (default Release, what
# users and packagers build). Extra arguments go to cmake.
# Quiet on success; on failure prints the compiler's messages.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
mkdir -p "$build"
log=$build/build.log
if ! { cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" "$@" &&
       cmake --build "$build" -j"$(nproc)"; } >"$log" 2>&1; then
  grep -vE '^\[ *[0-9]+%\] (Building|Linking|Built)' "$log" | tail -n 80 >&2
  echo "build failed (full log: $log)" >&2
  exit 1
fi
