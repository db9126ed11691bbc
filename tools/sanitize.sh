#!/usr/bin/env bash
# Builds memloc with sanitizers and runs the tests under them.
#
# usage: tools/sanitize.sh address|thread [BUILD_DIR] [-R CTEST_REGEX]
#   address  ASan + UBSan (gcc, -fno-sanitize-recover=undefined) in build-asan; runs every test.
#   thread   TSan in build-tsan; runs the tests with threads of their own: the engine-thread and
#            job tests of the GUI (test_ui_jobs, test_ui_analyses, test_ui_import) and test_cli
#            (Ctrl-C from a signal handler while training).
# LibTorch, HDF5 and Qt are Debian's uninstrumented builds; only memloc's own code is instrumented.
# Suppressions (third-party frames only, see README "Reliability"): tools/lsan.supp (static
# allocations LibTorch and its libraries never free) and tools/tsan.supp (libgomp, the OpenMP
# runtime LibTorch runs its kernels on: TSan cannot see its barriers, so every tensor kernel
# would be reported).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

kind=${1:?usage: tools/sanitize.sh address|thread [BUILD_DIR] [-R REGEX]}
case "$kind" in
  address) build=${2:-build-asan}; default_regex='.' ;;
  thread)  build=${2:-build-tsan}; default_regex='^(test_ui_jobs|test_ui_analyses|test_ui_import|test_cli)$' ;;
  *) echo "usage: tools/sanitize.sh address|thread [BUILD_DIR] [-R REGEX]" >&2; exit 2 ;;
esac
shift $(( $# >= 2 ? 2 : $# ))
regex=$default_regex
if [ "${1:-}" = "-R" ]; then regex=$2; fi

# Sanitized builds do not share objects with plain ones; one job keeps a 2-core machine usable.
jobs=${MEMLOC_JOBS:-1}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEMLOC_SANITIZE="$kind" \
  -DMEMLOC_BUILD_GUI=ON -DMEMLOC_BUILD_TESTS=ON >/dev/null
cmake --build "$build" -j "$jobs"

export QT_QPA_PLATFORM=offscreen OMP_WAIT_POLICY=PASSIVE
if [ "$kind" = address ]; then
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:detect_odr_violation=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
  export LSAN_OPTIONS="suppressions=$root/tools/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
else
  export TSAN_OPTIONS="suppressions=$root/tools/tsan.supp:halt_on_error=0:exitcode=66:report_signal_unsafe=0${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
  export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
fi
ctest --test-dir "$build" --output-on-failure -j 1 -R "$regex" --timeout 3600
