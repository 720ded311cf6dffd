#!/usr/bin/env bash
# The whole suite from a fresh Debian machine: install what is missing, build with warnings as
# errors, run every test through CTest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/bootstrap.sh"
BUILD_DIR=$root/build "$root/scripts/build.sh" -DPULLGUARD_WERROR=ON
cd "$root/build"
ctest --output-on-failure -j2 "$@"
