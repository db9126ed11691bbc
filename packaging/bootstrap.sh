#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a working memloc.
#   bash packaging/bootstrap.sh demo   install dependencies, build, then with a display open the
#                                      desktop app on the embedded demo run (training it live if new);
#                                      without one, run the whole demo headless (train, every
#                                      analysis, findings printed and in memloc-demo/summary.json)
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
    if [ -x "$build/app/gui/memloc" ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
      # With a display: the app opens on the demo run, training it live first if it is new;
      # every analysis is one "Run" click away in its view.
      mkdir -p "$out"
      echo "opening the desktop app on $out/demo.h5"
      exec "$build/app/gui/memloc" --demo "$out/demo.h5"
    fi
    # Headless: the whole demo from the command line, findings printed and in summary.json.
    "$build/app/cli/memloc-cli" demo --out "$out"
    echo
    "$build/app/cli/memloc-cli" inspect "$out/demo.h5"
    echo "open it in the desktop app with: $build/app/gui/memloc $out/demo.h5 $out/demo-etd.h5"
    ;;
esac
