#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a working memloc.
#   bash packaging/bootstrap.sh demo   install dependencies, build, then with a display open the
#                                      desktop app on the embedded demo run (training it live if new);
#                                      without one, run the whole demo headless (train, every
#                                      analysis, findings printed and in memloc-demo/summary.json)
#   bash packaging/bootstrap.sh test   install dependencies, build everything, run all tests; then
#                                      build the core, memloc-cli and the core/CLI suites once more
#                                      against a current LibTorch 2.x (CUDA build, from the pinned
#                                      PyPI torch wheel: packaging/setup-libtorch.sh) and run those
#                                      suites with it on the CPU
#   bash packaging/bootstrap.sh build  install dependencies and build only
# Environment: MEMLOC_BUILD_DIR (default: build), MEMLOC_TORCH2_BUILD_DIR (default: build-torch2),
# MEMLOC_JOBS (default: every core), MEMLOC_TORCH2=0 (test: skip the LibTorch 2.x flavour).
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
    (cd "$build" && ctest --output-on-failure -j 1)
    if [ "${MEMLOC_TORCH2:-1}" != 0 ]; then
      echo "bootstrap: the LibTorch 2.x flavour (core, memloc-cli, core and CLI suites)"
      torch2_prefix="$(bash "$root/packaging/setup-libtorch.sh")"
      torch2_build="${MEMLOC_TORCH2_BUILD_DIR:-$root/build-torch2}"
      cmake -S "$root" -B "$torch2_build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMEMLOC_BUILD_TESTS=ON \
            -DMEMLOC_BUILD_GUI=OFF -DCMAKE_PREFIX_PATH="$torch2_prefix"
      cmake --build "$torch2_build" -j "$jobs"
      "$torch2_build/app/cli/memloc-cli" --version
      (cd "$torch2_build" && ctest --output-on-failure -j 1)
    fi
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
