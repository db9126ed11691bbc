#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a working memloc.
#   bash packaging/bootstrap.sh demo   install dependencies, build, train the embedded demo run
#                                      (Fashion-MNIST, 10% label noise) and print its summary
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
    run="$root/demo-run.h5"
    "$build/app/cli/memloc-cli" train --config "$root/resources/demo.json" --out "$run" --overwrite
    echo
    "$build/app/cli/memloc-cli" inspect "$run"
    ;;
esac
