#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a working memloc.
#   bash packaging/bootstrap.sh demo   install dependencies, build, run the embedded demo end to end
#                                      (train on Fashion-MNIST with 10% label noise, every analysis,
#                                      findings printed and in memloc-demo/summary.json), then open
#                                      the desktop app on it when a display is available
#   bash packaging/bootstrap.sh test   install dependencies, build everything, run all tests
#   bash packaging/bootstrap.sh build  install dependencies and build only
# Environment: MEMLOC_BUILD_DIR (default: build), MEMLOC_JOBS (default: every core).
set -euo pipefail

mode="${1:-demo}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MEMLOC_BUILD_DIR:-$root/build}"
jobs="${MEMLOC_JOBS:-$(nproc)}"

case "$mode" in
  demo|test|build) ;;
  *) echo "usage: bash packaging/bootstrap.sh demo|test|build" >&2; exit 2 ;;
esac

bash "$root/packaging/setup-deps.sh"

tests=OFF
[ "$mode" = test ] && tests=ON
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMEMLOC_BUILD_TESTS="$tests"
cmake --build "$build" -j "$jobs"

case "$mode" in
  test)
    cd "$build"
    ctest --output-on-failure -j 1
    ;;
  demo)
    out="$root/memloc-demo"
    "$build/app/cli/memloc-cli" demo --out "$out"
    echo
    "$build/app/cli/memloc-cli" inspect "$out/demo.h5"
    if [ -x "$build/app/gui/memloc" ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
      echo "opening the desktop app on $out/demo.h5"
      "$build/app/gui/memloc" "$out/demo.h5" "$out/demo-etd.h5" &
    else
      echo "open it in the desktop app with: $build/app/gui/memloc $out/demo.h5"
    fi
    ;;
esac
